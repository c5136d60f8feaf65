// Standalone `trm` debug adapter over stdio (`node dist/debugAdapter.js`): the same session that
// VS Code runs inline, for other DAP clients and for the DebugClient tests.
import { DebugSession } from '@vscode/debugadapter';
import { TrmDebugSession } from './session';
import { openEngine } from './engineFacade';

class StdioTrmDebugSession extends TrmDebugSession {
  constructor() {
    super(openEngine);
  }
}

DebugSession.run(StdioTrmDebugSession);
