-- Lua translation of bench/bf.lox (a Brainf*** interpreter over linked lists
-- of instances), statement for statement; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local function floor(x)
  local r = (x + 4503599627370496) - 4503599627370496
  if r > x then r = r - 1 end
  return r
end

local function printInt(n)
  if n < 1000000 then
    show(n)
    return
  end
  local hi = floor(n / 1000000)
  printInt(hi)
  show(n - hi * 1000000)
end

local Op = {}
Op.__index = Op

function Op.new(c)
  return setmetatable({c = c, next = nil, jump = nil}, Op)
end

local Pending = {}
Pending.__index = Pending

function Pending.new(op, below)
  return setmetatable({op = op, below = below}, Pending)
end

local Assembler = {}
Assembler.__index = Assembler

function Assembler.new()
  return setmetatable({head = nil, tail = nil, open = nil, count = 0}, Assembler)
end

function Assembler:emit(c)
  local op = Op.new(c)
  if self.tail == nil then self.head = op else self.tail.next = op end
  self.tail = op
  self.count = self.count + 1
  return op
end

function Assembler:rep(c, n)
  for i = 0, n - 1 do self:emit(c) end
end

function Assembler:plus(n) self:rep("+", n) end
function Assembler:minus(n) self:rep("-", n) end
function Assembler:right(n) self:rep(">", n) end
function Assembler:left(n) self:rep("<", n) end

function Assembler:shift(n)
  if n > 0 then self:right(n) else self:left(-n) end
end

function Assembler:out() self:emit(".") end
function Assembler:begin() self.open = Pending.new(self:emit("["), self.open) end

function Assembler:finish()
  local close = self:emit("]")
  local start = self.open.op
  self.open = self.open.below
  start.jump = close
  close.jump = start
end

function Assembler:moveTo(distance)
  self:begin()
  self:minus(1)
  self:shift(distance)
  self:plus(1)
  self:shift(-distance)
  self:finish()
end

local Cell = {}
Cell.__index = Cell

function Cell.new(prev)
  return setmetatable({value = 0, prev = prev, next = nil}, Cell)
end

local Machine = {}
Machine.__index = Machine

function Machine.new()
  return setmetatable({outputs = 0, checksum = 0, steps = 0}, Machine)
end

function Machine:run(program)
  local cell = Cell.new(nil)
  local op = program
  local steps = 0
  while op ~= nil do
    local c = op.c
    if c == "+" then
      local v = cell.value + 1
      if v == 256 then v = 0 end
      cell.value = v
    elseif c == "-" then
      local v = cell.value - 1
      if v < 0 then v = 255 end
      cell.value = v
    elseif c == ">" then
      if cell.next == nil then
        local fresh = Cell.new(cell)
        cell.next = fresh
      end
      cell = cell.next
    elseif c == "<" then
      cell = cell.prev
    elseif c == "[" then
      if cell.value == 0 then op = op.jump end
    elseif c == "]" then
      if cell.value ~= 0 then op = op.jump end
    elseif c == "." then
      self:output(cell.value)
    end
    op = op.next
    steps = steps + 1
  end
  self.steps = self.steps + steps
end

function Machine:output(byte)
  self.outputs = self.outputs + 1
  local h = self.checksum * 31 + byte
  self.checksum = h - floor(h / 1000003) * 1000003
end

local function fibonacci(asm, count)
  -- Cells: 0 counter, 1 a, 2 b, 3 scratch.
  asm:plus(count)
  asm:right(2)
  asm:plus(1)
  asm:left(2)
  asm:begin()
    asm:right(1)
    asm:moveTo(2)
    asm:right(1)
    asm:begin()
      asm:minus(1)
      asm:left(1)
      asm:plus(1)
      asm:right(2)
      asm:plus(1)
      asm:left(1)
    asm:finish()
    asm:right(1)
    asm:moveTo(-1)
    asm:left(1)
    asm:out()
    asm:left(2)
    asm:minus(1)
  asm:finish()
  asm:right(1)
  asm:begin(); asm:minus(1); asm:finish()
  asm:right(1)
  asm:begin(); asm:minus(1); asm:finish()
  asm:left(2)
end

local function products(asm, rows, cols)
  -- Cells: 0 row counter, 1 column counter, 2 product, 3 copy of row value.
  asm:plus(rows)
  asm:begin()
    asm:right(1)
    asm:plus(cols)
    asm:begin()
      asm:left(1)
      asm:begin()
        asm:minus(1)
        asm:right(2)
        asm:plus(1)
        asm:right(1)
        asm:plus(1)
        asm:left(3)
      asm:finish()
      asm:right(3)
      asm:moveTo(-3)
      asm:left(1)
      asm:out()
      asm:left(1)
      asm:minus(1)
    asm:finish()
    asm:right(1)
    asm:begin(); asm:minus(1); asm:finish()
    asm:left(2)
    asm:minus(1)
  asm:finish()
end

local function main()
  local start = os.clock()
  local asm = Assembler.new()
  fibonacci(asm, 120)
  asm:right(5)
  products(asm, 40, 30)
  local machine = Machine.new()
  for i = 0, 11 do machine:run(asm.head) end
  show(asm.count)
  show(machine.outputs)
  show(machine.checksum)
  printInt(machine.steps)
  show(os.clock() - start)
end

main()
