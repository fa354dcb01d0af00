/**
 * A main-area document showing one rule's documentation (from GET /nb2prod/rules/<code>).
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { fetchRule } from '../request';

export async function openRuleDoc(
  code: string,
  rendermime: IRenderMimeRegistry | null,
  show: (widget: MainAreaWidget) => void
): Promise<void> {
  const content = new Widget();
  content.addClass('nb2prod-rule-doc');
  const widget = new MainAreaWidget({ content });
  widget.id = `nb2prod-rule-${code}`;
  widget.title.label = `${code} rule`;
  widget.title.closable = true;
  show(widget);
  try {
    const doc = await fetchRule(code);
    widget.title.label = `${doc.code} ${doc.name}`;
    if (rendermime) {
      const renderer = rendermime.createRenderer('text/markdown');
      await renderer.renderModel(
        rendermime.createModel({ data: { 'text/markdown': doc.markdown }, trusted: false })
      );
      content.node.appendChild(renderer.node);
    } else {
      const pre = document.createElement('pre');
      pre.textContent = doc.markdown;
      content.node.appendChild(pre);
    }
  } catch (error) {
    content.node.textContent = `Could not load the documentation of ${code}: ${(error as Error).message}`;
  }
}
