-- Lua translation of bench/pauses.lox (collector pauses: a large live tree,
-- short-lived trees of 2,047 nodes built steadily, each iteration timed with
-- os.clock()), statement for statement; see bench/lua/README.md.
-- bench/run.py --live N rewrites the LIVE line.

local LIVE = 2000000

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

local Node = {}
Node.__index = Node

function Node.new(left, right)
  return setmetatable({left = left, right = right}, Node)
end

local function balanced(n)
  if n == 0 then return nil end
  local leftSize = floor((n - 1) / 2)
  return Node.new(balanced(leftSize), balanced(n - 1 - leftSize))
end

local function complete(depth)
  if depth == 0 then return Node.new(nil, nil) end
  return Node.new(complete(depth - 1), complete(depth - 1))
end

local function size(tree)
  if tree == nil then return 0 end
  return size(tree.left) + 1 + size(tree.right)
end

local Sample = {}
Sample.__index = Sample

function Sample.new(next)
  return setmetatable({time = 0, next = next}, Sample)
end

local Holder = {}
Holder.__index = Holder

function Holder.new(next)
  return setmetatable({tree = nil, next = next}, Holder)
end

local function merge(a, b)
  local head = Sample.new(nil)
  local tail = head
  while a ~= nil and b ~= nil do
    if a.time <= b.time then
      tail.next = a
      a = a.next
    else
      tail.next = b
      b = b.next
    end
    tail = tail.next
  end
  if a ~= nil then tail.next = a else tail.next = b end
  return head.next
end

local function sort(list, length)
  if length < 2 then return list end
  local half = floor(length / 2)
  local middle = list
  for i = 1, half - 1 do middle = middle.next end
  local second = middle.next
  middle.next = nil
  return merge(sort(list, half), sort(second, length - half))
end

local function nth(list, index)
  for i = 0, index - 1 do list = list.next end
  return list.time
end

local function main()
  local start = os.clock()
  local iterations = floor(LIVE * 3 / 2047) + 200
  local live = balanced(LIVE)

  local samples = nil
  for i = 0, iterations - 1 do samples = Sample.new(samples) end
  local first = Holder.new(nil)
  local ring = first
  for i = 1, 15 do ring = Holder.new(ring) end
  first.next = ring

  local nodes = 0
  local sample = samples
  local last = os.clock()
  for i = 0, iterations - 1 do
    local tree = complete(10)
    nodes = nodes + size(tree)
    ring.tree = tree
    ring = ring.next
    local now = os.clock()
    sample.time = now - last
    last = now
    sample = sample.next
  end

  local sorted = sort(samples, iterations)
  local median = nth(sorted, floor(iterations / 2))
  local rank = floor(iterations * 99 / 100)
  if rank < iterations * 99 / 100 then rank = rank + 1 end
  local p99 = nth(sorted, rank - 1)
  local longest = nth(sorted, iterations - 1)

  print("live nodes")
  printInt(size(live))
  print("iterations")
  printInt(iterations)
  print("nodes built")
  printInt(nodes)
  print("median iteration ms:")
  show(median * 1000)
  print("p99 pause ms:")
  show((p99 - median) * 1000)
  print("max pause ms:")
  show((longest - median) * 1000)
  print("elapsed:")
  show(os.clock() - start)
end

main()
