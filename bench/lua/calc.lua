-- Lua translation of bench/calc.lox (a tokenizer, a recursive-descent parser
-- and a tree-walking evaluator, written in the language), statement for
-- statement; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local MOD = 1000003

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

local function reduce(x)
  if x < 0 then
    local r = MOD - (-x - floor(-x / MOD) * MOD)
    if r == MOD then r = 0 end
    return r
  end
  return x - floor(x / MOD) * MOD
end

local Random = {}
Random.__index = Random

function Random.new(seed)
  return setmetatable({state = seed}, Random)
end

function Random:next()
  local p = self.state * 16807
  self.state = p - floor(p / 2147483647) * 2147483647
  return self.state
end

function Random:below(n) return floor(self:next() / 2147483647 * n) end

-- ---- Character streams ----

local Char = {}
Char.__index = Char

function Char.new(c)
  return setmetatable({c = c, next = nil}, Char)
end

local Stream = {}
Stream.__index = Stream

function Stream.new()
  return setmetatable({head = nil, tail = nil, length = 0}, Stream)
end

function Stream:add(c)
  local ch = Char.new(c)
  if self.tail == nil then self.head = ch else self.tail.next = ch end
  self.tail = ch
  self.length = self.length + 1
end

local function digitChar(d)
  if d == 0 then return "0" end
  if d == 1 then return "1" end
  if d == 2 then return "2" end
  if d == 3 then return "3" end
  if d == 4 then return "4" end
  if d == 5 then return "5" end
  if d == 6 then return "6" end
  if d == 7 then return "7" end
  if d == 8 then return "8" end
  return "9"
end

local function digitValue(c)
  if c == "0" then return 0 end
  if c == "1" then return 1 end
  if c == "2" then return 2 end
  if c == "3" then return 3 end
  if c == "4" then return 4 end
  if c == "5" then return 5 end
  if c == "6" then return 6 end
  if c == "7" then return 7 end
  if c == "8" then return 8 end
  if c == "9" then return 9 end
  return -1
end

-- ---- Generator ----

local Generator = {}
Generator.__index = Generator

function Generator.new(seed)
  return setmetatable({rng = Random.new(seed)}, Generator)
end

function Generator:number(out)
  local digits = 1 + self.rng:below(3)
  for i = 0, digits - 1 do out:add(digitChar(self.rng:below(10))) end
end

function Generator:op(out)
  local k = self.rng:below(5)
  if k < 2 then out:add("+")
  elseif k < 4 then out:add("-")
  else out:add("*") end
end

function Generator:expr(out, depth)
  local k = self.rng:below(6)
  if depth == 0 or k == 0 then
    self:number(out)
    return
  end
  if k == 1 then
    out:add("-")
    self:expr(out, depth - 1)
    return
  end
  if k < 4 then
    out:add("(")
    self:expr(out, depth - 1)
    out:add(" ")
    self:op(out)
    out:add(" ")
    self:expr(out, depth - 1)
    out:add(")")
    return
  end
  self:expr(out, depth - 1)
  self:op(out)
  self:expr(out, depth - 1)
end

-- ---- Tokenizer ----

local Token = {}
Token.__index = Token

function Token.new(kind, value)
  return setmetatable({kind = kind, value = value, next = nil}, Token)
end

local function tokenize(stream)
  local head = Token.new("start", 0)
  local tail = head
  local ch = stream.head
  while ch ~= nil do
    local c = ch.c
    local d = digitValue(c)
    if d >= 0 then
      local n = 0
      while ch ~= nil and digitValue(ch.c) >= 0 do
        n = n * 10 + digitValue(ch.c)
        ch = ch.next
      end
      tail.next = Token.new("num", n)
      tail = tail.next
    else
      if c ~= " " then
        tail.next = Token.new(c, 0)
        tail = tail.next
      end
      ch = ch.next
    end
  end
  tail.next = Token.new("end", 0)
  return head.next
end

-- ---- Syntax tree ----

local Num = {}
Num.__index = Num

function Num.new(value)
  return setmetatable({value = value}, Num)
end
function Num:eval() return reduce(self.value) end
function Num:size() return 1 end

local Neg = {}
Neg.__index = Neg

function Neg.new(operand)
  return setmetatable({operand = operand}, Neg)
end
function Neg:eval() return reduce(-self.operand:eval()) end
function Neg:size() return 1 + self.operand:size() end

local Binary = {}
Binary.__index = Binary

function Binary:size() return 1 + self.left:size() + self.right:size() end

-- A subclass of Binary; its constructor is Binary's initializer, which it
-- inherits (one call, as in Lox).
local function subclass(base)
  local class = setmetatable({}, { __index = base })
  class.__index = class
  class.new = function(left, right)
    return setmetatable({left = left, right = right}, class)
  end
  return class
end

local Add = subclass(Binary)
function Add:eval() return reduce(self.left:eval() + self.right:eval()) end

local Sub = subclass(Binary)
function Sub:eval() return reduce(self.left:eval() - self.right:eval()) end

local Mul = subclass(Binary)
function Mul:eval() return reduce(self.left:eval() * self.right:eval()) end

-- ---- Parser ----

local Parser = {}
Parser.__index = Parser

function Parser.new(tokens)
  return setmetatable({token = tokens}, Parser)
end

function Parser:advance()
  local t = self.token
  self.token = t.next
  return t
end

function Parser:expression()
  local left = self:term()
  while self.token.kind == "+" or self.token.kind == "-" do
    local op = self:advance().kind
    local right = self:term()
    if op == "+" then left = Add.new(left, right) else left = Sub.new(left, right) end
  end
  return left
end

function Parser:term()
  local left = self:unary()
  while self.token.kind == "*" do
    self:advance()
    left = Mul.new(left, self:unary())
  end
  return left
end

function Parser:unary()
  if self.token.kind == "-" then
    self:advance()
    return Neg.new(self:unary())
  end
  return self:primary()
end

function Parser:primary()
  local t = self:advance()
  if t.kind == "num" then return Num.new(t.value) end
  if t.kind == "(" then
    local e = self:expression()
    if self:advance().kind ~= ")" then print("error: expected )") end
    return e
  end
  print("error: unexpected " .. t.kind)
  return Num.new(0)
end

local function main()
  local start = os.clock()
  local gen = Generator.new(2024)
  local checksum = 0
  local chars = 0
  local nodes = 0
  for i = 0, 8999 do
    local s = Stream.new()
    gen:expr(s, 7)
    chars = chars + s.length
    local tree = Parser.new(tokenize(s)):expression()
    nodes = nodes + tree:size()
    checksum = reduce(checksum * 31 + tree:eval())
  end
  printInt(chars)
  printInt(nodes)
  show(checksum)
  show(os.clock() - start)
end

main()
