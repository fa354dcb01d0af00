/**
 * The nb2prod JupyterLab plugin: wires the model, the sidebar, commands and settings together.
 * `activate` never waits for the server: everything that needs it happens in the background.
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, showErrorMessage } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { Nb2prodModel } from './model';
import { fetchStatus } from './request';
import { CommandIDs, DEFAULT_SETTINGS, IPanelSettings, PLUGIN_ID } from './tokens';
import { Nb2prodPanel, nb2prodIcon } from './widgets/panel';
import { openRuleDoc } from './widgets/ruleDoc';

function readSettings(settings: ISettingRegistry.ISettings): IPanelSettings {
  const composite = settings.composite as Partial<IPanelSettings>;
  return { ...DEFAULT_SETTINGS, ...composite };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'nb2prod: live hidden-state diagnostics, execution order, extract, pin and repro.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry, ILayoutRestorer, ICommandPalette, IRenderMimeRegistry, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    rendermime: IRenderMimeRegistry | null
  ) => {
    const model = new Nb2prodModel(tracker, (panel: NotebookPanel) => app.shell.activateById(panel.id));

    const reorder = (order: number[]): void => {
      const problem = model.applyReorder(order);
      if (problem) {
        void showErrorMessage('nb2prod: cannot reorder', problem);
      }
    };
    const showRule = (code: string): void => {
      void app.commands.execute(CommandIDs.showRule, { code });
    };

    const panel = new Nb2prodPanel(model, { onShowRule: showRule, onReorder: reorder });
    app.shell.add(panel, 'left', { rank: 850 });
    if (restorer) {
      restorer.add(panel, 'nb2prod-panel');
    }

    app.commands.addCommand(CommandIDs.lint, {
      label: 'nb2prod: Lint Notebook',
      icon: nb2prodIcon,
      execute: () => model.lintNow()
    });
    app.commands.addCommand(CommandIDs.showPanel, {
      label: 'nb2prod: Show Panel',
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.showRule, {
      label: args => `nb2prod: Show Rule ${(args.code as string) ?? ''}`,
      execute: args =>
        openRuleDoc(String(args.code), rendermime, (widget: MainAreaWidget) => {
          app.shell.add(widget, 'main', { mode: 'split-right' });
        })
    });
    app.commands.addCommand(CommandIDs.reorder, {
      label: 'nb2prod: Reorder Cells for Restart & Run All',
      isEnabled: () => model.reorder !== null,
      execute: () => {
        const order = model.reorder;
        if (order) {
          reorder(order);
        }
      }
    });
    if (palette) {
      for (const command of [CommandIDs.lint, CommandIDs.showPanel, CommandIDs.reorder]) {
        palette.addItem({ command, category: 'nb2prod' });
      }
    }

    // Background work only: the panel is usable before any of this answers.
    if (settingRegistry) {
      void settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          model.setSettings(readSettings(settings));
          settings.changed.connect(() => model.setSettings(readSettings(settings)));
        })
        .catch(reason => console.warn('nb2prod: settings could not be loaded', reason));
    }
    void fetchStatus()
      .then(status => model.setStatus(status))
      .catch(reason => console.warn('nb2prod: the server extension did not answer', reason));
  }
};

export default plugin;
