-- Lua version of the book's benchmark binary_trees (test/benchmark in the
-- Crafting Interpreters repository): the same work, written from reading the
-- Lox program; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local Tree = {}
Tree.__index = Tree

function Tree.new(item, depth)
  if depth > 0 then
    local item2 = item + item
    return setmetatable({
      item = item,
      depth = depth,
      left = Tree.new(item2 - 1, depth - 1),
      right = Tree.new(item2, depth - 1),
    }, Tree)
  end
  return setmetatable({item = item, depth = depth, left = nil, right = nil}, Tree)
end

function Tree:check()
  if self.left == nil then
    return self.item
  end
  return self.item + self.left:check() - self.right:check()
end

local minDepth = 4
local maxDepth = 14
local stretchDepth = maxDepth + 1

local start = os.clock()

print("stretch tree of depth:")
show(stretchDepth)
print("check:")
show(Tree.new(0, stretchDepth):check())

local longLivedTree = Tree.new(0, maxDepth)

local iterations = 1
local d = 0
while d < maxDepth do
  iterations = iterations * 2
  d = d + 1
end

local depth = minDepth
while depth < stretchDepth do
  local check = 0
  local i = 1
  while i <= iterations do
    check = check + Tree.new(i, depth):check() + Tree.new(-i, depth):check()
    i = i + 1
  end

  print("num trees:")
  show(iterations * 2)
  print("depth:")
  show(depth)
  print("check:")
  show(check)

  iterations = iterations / 4
  depth = depth + 2
end

print("long lived tree of depth:")
show(maxDepth)
print("check:")
show(longLivedTree:check())
print("elapsed:")
show(os.clock() - start)
