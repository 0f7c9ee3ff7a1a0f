-- Lua version of the book's benchmark instantiation (test/benchmark in the Crafting
-- Interpreters repository): the same work, written from reading the Lox
-- program; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local Foo = {}
Foo.__index = Foo

function Foo.new()
  return setmetatable({}, Foo)
end

local start = os.clock()
local i = 0
while i < 500000 do
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  Foo.new()
  i = i + 1
end

show(os.clock() - start)
