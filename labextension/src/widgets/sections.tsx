/**
 * Lumino wrappers around the React views: one re-rendering ReactWidget per panel section.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ActionsView } from '../components/ActionsView';
import { DiagnosticsView } from '../components/DiagnosticsView';
import { GraphView } from '../components/GraphView';
import type { Nb2prodModel } from '../model';

export interface ISectionCallbacks {
  onShowRule: (code: string) => void;
  onReorder: (order: number[]) => void;
}

abstract class ModelSection extends ReactWidget {
  constructor(
    protected readonly model: Nb2prodModel,
    protected readonly callbacks: ISectionCallbacks,
    id: string,
    label: string
  ) {
    super();
    this.id = id;
    this.title.label = label;
    this.addClass('nb2prod-section');
  }

  protected abstract view(): JSX.Element;

  render(): JSX.Element {
    return <UseSignal signal={this.model.changed}>{() => this.view()}</UseSignal>;
  }
}

export class DiagnosticsSection extends ModelSection {
  constructor(model: Nb2prodModel, callbacks: ISectionCallbacks) {
    super(model, callbacks, 'nb2prod-diagnostics-section', 'Diagnostics');
  }

  protected view(): JSX.Element {
    return <DiagnosticsView model={this.model} {...this.callbacks} />;
  }
}

export class GraphSection extends ModelSection {
  constructor(model: Nb2prodModel, callbacks: ISectionCallbacks) {
    super(model, callbacks, 'nb2prod-graph-section', 'Execution order');
  }

  protected view(): JSX.Element {
    return <GraphView model={this.model} />;
  }
}

export class ActionsSection extends ModelSection {
  constructor(model: Nb2prodModel, callbacks: ISectionCallbacks) {
    super(model, callbacks, 'nb2prod-actions-section', 'Actions');
  }

  protected view(): JSX.Element {
    return <ActionsView model={this.model} onReorder={this.callbacks.onReorder} />;
  }
}
