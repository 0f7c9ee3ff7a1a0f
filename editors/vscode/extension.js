// The loxide extension's client: starts `lox lsp` (the language server in the `lox`
// command) for Lox and Potato files and lets vscode-languageclient speak the protocol.
// Everything the editor shows beyond the TextMate highlighting comes from the server.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('loxide').get('server.path') || 'lox';
  const serverOptions = {
    run: { command, args: ['lsp'], transport: TransportKind.stdio },
    debug: { command, args: ['lsp'], transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'lox' },
      { scheme: 'file', language: 'potato' },
      { scheme: 'untitled', language: 'lox' },
      { scheme: 'untitled', language: 'potato' },
    ],
  };
  client = new LanguageClient('loxide', 'Lox and Potato (lox lsp)', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
