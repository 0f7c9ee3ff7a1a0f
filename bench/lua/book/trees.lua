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
  if depth > 0 then
    return setmetatable({
      depth = depth,
      a = Tree.new(depth - 1),
      b = Tree.new(depth - 1),
      c = Tree.new(depth - 1),
      d = Tree.new(depth - 1),
      e = Tree.new(depth - 1),
    }, Tree)
  end
  return setmetatable({depth = depth}, Tree)
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
