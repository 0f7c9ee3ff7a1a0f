-- Lua translation of bench/sort.lox (merge sort of a linked list of
-- instances), statement for statement; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local function floor(x)
  local r = (x + 4503599627370496) - 4503599627370496
  if r > x then r = r - 1 end
  return r
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

local Item = {}
Item.__index = Item

function Item.new(id, group, score)
  return setmetatable({id = id, group = group, score = score, next = nil}, Item)
end

local ByScore = {}
ByScore.__index = ByScore
function ByScore:before(a, b) return a.score <= b.score end

local ByGroup = {}
ByGroup.__index = ByGroup
function ByGroup:before(a, b) return a.group <= b.group end

local function merge(a, b, order)
  local head = Item.new(-1, 0, 0)
  local tail = head
  while a ~= nil and b ~= nil do
    if order:before(a, b) then
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

local function sort(list, length, order)
  if length < 2 then return list end
  local half = floor(length / 2)
  local middle = list
  for i = 1, half - 1 do middle = middle.next end
  local second = middle.next
  middle.next = nil
  return merge(sort(list, half, order), sort(second, length - half, order), order)
end

local function makeItems(rng, n)
  local list = nil
  for i = 0, n - 1 do
    local item = Item.new(i, rng:below(50), rng:below(100000))
    item.next = list
    list = item
  end
  return list
end

local function shuffle(list, n, rng)
  local a = nil
  local b = nil
  local item = list
  while item ~= nil do
    local next = item.next
    if rng:below(2) == 0 then
      item.next = a
      a = item
    else
      item.next = b
      b = item
    end
    item = next
  end
  if a == nil then return b end
  local last = a
  while last.next ~= nil do last = last.next end
  last.next = b
  return a
end

local function check(list)
  local bad = 0
  local sum = 0
  local position = 0
  local item = list
  while item.next ~= nil do
    local n = item.next
    if n.group < item.group then bad = bad + 1 end
    if n.group == item.group and n.score < item.score then bad = bad + 1 end
    position = position + 1
    sum = sum + position * (item.id + 1)
    sum = sum - floor(sum / 1000003) * 1000003
    item = n
  end
  show(bad)
  show(sum)
end

local function main()
  local start = os.clock()
  local n = 20000
  local rng = Random.new(777)
  local list = makeItems(rng, n)
  local byScore = setmetatable({}, ByScore)
  local byGroup = setmetatable({}, ByGroup)
  for round = 0, 9 do
    list = sort(list, n, byScore)
    list = sort(list, n, byGroup)
    check(list)
    list = shuffle(list, n, rng)
  end
  show(os.clock() - start)
end

main()
