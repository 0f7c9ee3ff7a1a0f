-- A scripted Neovim session with `lox lsp` (run by tests/suite/nvim.rs): Neovim's own
-- LSP client starts the server on a Lox file, and the session checks what a user would
-- see: diagnostics, hover, go to definition and rename, then an edit that breaks the
-- program. Each check writes `ok NAME` or `FAIL NAME: detail` to $LOX_RESULT; the
-- session exits 1 if any failed. Written for Neovim 0.7 (Debian's) and later.

local lox = os.getenv('LOX_BIN')
local file = os.getenv('LOX_FILE')
local out = assert(io.open(os.getenv('LOX_RESULT'), 'w'))
local failed = false

local function check(name, ok, detail)
  if ok then
    out:write('ok ' .. name .. '\n')
  else
    failed = true
    out:write('FAIL ' .. name .. ': ' .. vim.inspect(detail) .. '\n')
  end
  out:flush()
end

local function finish()
  out:close()
  if failed then
    vim.cmd('cquit')
  else
    vim.cmd('qall!')
  end
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'lox',
    cmd = { lox, 'lsp' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
  })
  check('the client starts', client_id ~= nil, client_id)
  vim.lsp.buf_attach_client(buf, client_id)

  -- Diagnostics: the one warning of the file, as a warning, where it is.
  local arrived = vim.wait(20000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  local diagnostics = vim.diagnostic.get(buf)
  check('diagnostics arrive', arrived, diagnostics)
  local d = diagnostics[1] or {}
  check('the warning is placed and worded', d.lnum == 1 and d.col == 6
    and d.severity == vim.diagnostic.severity.WARN
    and d.message == "Local variable 'unused' is never used.", d)

  -- Hover over a call of `add`.
  local uri = vim.uri_from_bufnr(buf)
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
    textDocument = { uri = uri },
    position = { line = 4, character = 13 },
  }, 10000) or {}
  local hover = responses[client_id] and responses[client_id].result
  local text = hover and hover.contents and hover.contents.value or ''
  check('hover names the global function', text:find('global function `add(a, b)`', 1, true) ~= nil, hover)

  -- Go to definition moves the cursor to the declaration, as the user's command does.
  vim.api.nvim_win_set_cursor(0, { 5, 13 })
  vim.lsp.buf.definition()
  local moved = vim.wait(10000, function()
    return vim.api.nvim_win_get_cursor(0)[1] == 1
  end, 50)
  local cursor = vim.api.nvim_win_get_cursor(0)
  check('definition jumps to the declaration', moved and cursor[2] == 4, cursor)

  -- Rename `total` through the user's command; `a` and `b` stay as they are.
  vim.api.nvim_win_set_cursor(0, { 6, 7 })
  vim.lsp.buf.rename('sum')
  local renamed = vim.wait(10000, function()
    return vim.api.nvim_buf_get_lines(buf, 5, 6, false)[1] == 'print sum;'
  end, 50)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  check('rename edits every use', renamed and lines[5] == 'var sum = add(1, 2);'
    and lines[3] == '  return a + b;', lines)

  -- Break the program: the error shows up as an error.
  vim.api.nvim_buf_set_lines(buf, 0, 0, false, { 'var broken =' })
  local broke = vim.wait(20000, function()
    for _, x in ipairs(vim.diagnostic.get(buf)) do
      if x.severity == vim.diagnostic.severity.ERROR then
        return true
      end
    end
    return false
  end, 50)
  local errors = vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR })
  check('an edit that breaks the program shows its error', broke and errors[1]
    and errors[1].message == 'Expect expression.', vim.diagnostic.get(buf))

  vim.lsp.stop_client(client_id)
end)
check('the session runs to its end', ok, err)
finish()
