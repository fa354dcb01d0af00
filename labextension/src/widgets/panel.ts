/**
 * The nb2prod sidebar: a SidePanel with the Diagnostics, Execution order and Actions sections.
 */
import { LabIcon, SidePanel, ToolbarButton, refreshIcon } from '@jupyterlab/ui-components';

import type { Nb2prodModel } from '../model';
import { ActionsSection, DiagnosticsSection, GraphSection, ISectionCallbacks } from './sections';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
<g class="jp-icon3" fill="#616161"><path d="M4 3h11l5 5v13H4z" opacity=".35"/><circle cx="9" cy="10" r="2.2"/>
<circle cx="15" cy="17" r="2.2"/><path d="M10.5 11.5l3 4" stroke="#616161" stroke-width="1.6" fill="none"/></g></svg>`;

export const nb2prodIcon = new LabIcon({ name: 'nb2prod:icon', svgstr: ICON_SVG });

export class Nb2prodPanel extends SidePanel {
  constructor(
    readonly model: Nb2prodModel,
    callbacks: ISectionCallbacks
  ) {
    super();
    this.id = 'nb2prod-panel';
    this.addClass('nb2prod-panel');
    this.title.icon = nb2prodIcon;
    this.title.caption = 'nb2prod: hidden state and execution order';
    this.toolbar.addItem(
      'lint',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: 'Lint the notebook now',
        onClick: () => void model.lintNow()
      })
    );
    this.addWidget(new DiagnosticsSection(model, callbacks));
    this.addWidget(new GraphSection(model, callbacks));
    this.addWidget(new ActionsSection(model, callbacks));
  }
}
