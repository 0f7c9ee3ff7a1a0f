-- Lua translation of bench/gc_trees.lox (allocation and collection of trees,
-- a persistent search tree), statement for statement; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local function floor(x)
  local r = (x + 4503599627370496) - 4503599627370496
  if r > x then r = r - 1 end
  return r
end

local Node = {}
Node.__index = Node

function Node.new(left, right, value)
  return setmetatable({left = left, right = right, value = value}, Node)
end

local function build(depth, value)
  if depth == 0 then return Node.new(nil, nil, value) end
  return Node.new(build(depth - 1, value * 2), build(depth - 1, value * 2 + 1), value)
end

local function weigh(node)
  if node.left == nil then return node.value end
  return weigh(node.left) - weigh(node.right) + 1
end

local function churn(maxDepth)
  local total = 0
  local depth = 2
  while depth <= maxDepth do
    local rounds = 1
    for d = depth, maxDepth - 1 do rounds = rounds * 2 end
    for i = 0, rounds - 1 do
      total = total + weigh(build(depth, i))
    end
    depth = depth + 3
  end
  return total
end

local Key = {}
Key.__index = Key

function Key.new(key, left, right)
  return setmetatable({key = key, left = left, right = right}, Key)
end

local function insert(tree, key)
  if tree == nil then return Key.new(key, nil, nil) end
  if key < tree.key then return Key.new(tree.key, insert(tree.left, key), tree.right) end
  if key > tree.key then return Key.new(tree.key, tree.left, insert(tree.right, key)) end
  return tree
end

local function size(tree)
  if tree == nil then return 0 end
  return size(tree.left) + 1 + size(tree.right)
end

local function height(tree)
  if tree == nil then return 0 end
  local l = height(tree.left)
  local r = height(tree.right)
  if l > r then return l + 1 end
  return r + 1
end

local function persistent(n)
  local seed = 4242
  local tree = nil
  local v1 = nil
  local v2 = nil
  local v3 = nil
  for i = 0, n - 1 do
    local p = seed * 16807
    seed = p - floor(p / 2147483647) * 2147483647
    v3 = v2
    v2 = v1
    v1 = tree
    tree = insert(tree, floor(seed / 2147483647 * 100000))
  end
  show(size(tree))
  show(size(v3))
  show(height(tree))
end

local function main()
  local start = os.clock()
  local longLived = build(16, 1)
  show(churn(18))
  persistent(40000)
  show(weigh(longLived))
  show(os.clock() - start)
end

main()
