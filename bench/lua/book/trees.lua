-- Lua version of the book's benchmark trees (test/benchmark in the Crafting
-- Interpreters repository): the same work, written from reading the Lox
-- program; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local Tree = {}
Tree.__index = Tree

function Tree.new(depth)
  local self = setmetatable({}, Tree)
  self.depth = depth
  if depth > 0 then
    self.a = Tree.new(depth - 1)
    self.b = Tree.new(depth - 1)
    self.c = Tree.new(depth - 1)
    self.d = Tree.new(depth - 1)
    self.e = Tree.new(depth - 1)
  end
  return self
end

function Tree:walk()
  if self.depth == 0 then return 0 end
  return self.depth
      + self.a:walk()
      + self.b:walk()
      + self.c:walk()
      + self.d:walk()
      + self.e:walk()
end

local tree = Tree.new(8)
local start = os.clock()
for i = 0, 99 do
  if tree:walk() ~= 122068 then print("Error") end
end
show(os.clock() - start)
