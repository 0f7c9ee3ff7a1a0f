-- Lua translation of bench/methods.lox (method calls, inheritance, super
-- calls, bound methods), statement for statement; see bench/lua/README.md.
-- A bound method is a closure over the receiver and the method looked up.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local function bind(receiver, method)
  return function(x) return method(receiver, x) end
end

local Counter = {}
Counter.__index = Counter

function Counter.new()
  return setmetatable({n = 0}, Counter)
end

function Counter:step()
  self.n = self.n + 1
  return self
end

function Counter:get() return self.n end

local Base = {}
Base.__index = Base

function Base.init(self, k) self.k = k end
function Base:value(x) return x + self.k end
function Base:twice(x) return self:value(self:value(x)) end

local Middle = setmetatable({}, { __index = Base })
Middle.__index = Middle

function Middle.init(self, k) Base.init(self, k) end
function Middle:value(x) return Base.value(self, x) + 1 end

local Leaf = setmetatable({}, { __index = Middle })
Leaf.__index = Leaf

function Leaf.new(k)
  local self = setmetatable({}, Leaf)
  Middle.init(self, k)
  return self
end
function Leaf:id() return self end

local Acc = {}
Acc.__index = Acc

function Acc.new()
  return setmetatable({total = 0}, Acc)
end

function Acc:add(x)
  self.total = self.total + x
  return self.total
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

local function chains(n)
  local c = Counter.new()
  for i = 0, n - 1 do
    c:step():step():step():step():step()
  end
  return c:get()
end

local function inherited(n)
  local leaf = Leaf.new(3)
  local sum = 0
  for i = 0, n - 1 do
    sum = sum + leaf:twice(i) - leaf:id():value(i)
  end
  return sum
end

local function bound(n)
  local acc = Acc.new()
  local add = bind(acc, acc.add)
  for i = 0, n - 1 do
    add(1)
    add(2)
    add(-1)
  end
  local last = 0
  for i = 0, n - 1 do
    local f = bind(acc, acc.add)
    last = f(0)
  end
  return last
end

local function main()
  local start = os.clock()
  printInt(chains(1200000))
  printInt(inherited(1200000))
  printInt(bound(1200000))
  show(os.clock() - start)
end

main()
