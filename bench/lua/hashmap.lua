-- Lua translation of bench/hashmap.lox (a chained hash map written in the
-- language, over a tree of eight-slot objects standing in for an array),
-- statement for statement; see bench/lua/README.md. It uses no Lua table as
-- an array or as a map of its own: every table is an object with named fields,
-- as in the Lox program.

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

local Slots = {}
Slots.__index = Slots

function Slots.new()
  return setmetatable({
    s0 = nil, s1 = nil, s2 = nil, s3 = nil,
    s4 = nil, s5 = nil, s6 = nil, s7 = nil,
  }, Slots)
end

function Slots:at(i)
  if i < 4 then
    if i < 2 then
      if i == 0 then return self.s0 end
      return self.s1
    end
    if i == 2 then return self.s2 end
    return self.s3
  end
  if i < 6 then
    if i == 4 then return self.s4 end
    return self.s5
  end
  if i == 6 then return self.s6 end
  return self.s7
end

function Slots:put(i, value)
  if i < 4 then
    if i < 2 then
      if i == 0 then self.s0 = value else self.s1 = value end
    else
      if i == 2 then self.s2 = value else self.s3 = value end
    end
  else
    if i < 6 then
      if i == 4 then self.s4 = value else self.s5 = value end
    else
      if i == 6 then self.s6 = value else self.s7 = value end
    end
  end
end

local Array = {}
Array.__index = Array

function Array.new(levels)
  return setmetatable({levels = levels, root = Slots.new()}, Array)
end

function Array:at(index)
  local node = self.root
  for level = 1, self.levels - 1 do
    local q = floor(index / 8)
    node = node:at(index - q * 8)
    if node == nil then return nil end
    index = q
  end
  return node:at(index)
end

function Array:put(index, value)
  local node = self.root
  for level = 1, self.levels - 1 do
    local q = floor(index / 8)
    local d = index - q * 8
    local child = node:at(d)
    if child == nil then
      child = Slots.new()
      node:put(d, child)
    end
    node = child
    index = q
  end
  node:put(index, value)
end

local Entry = {}
Entry.__index = Entry

function Entry.new(key, hash, value, next)
  return setmetatable({key = key, hash = hash, value = value, next = next}, Entry)
end

local HashMap = {}
HashMap.__index = HashMap

function HashMap.new()
  return setmetatable({
    levels = 1,
    capacity = 8,
    buckets = Array.new(1),
    count = 0,
  }, HashMap)
end

function HashMap:bucketOf(hash) return hash - floor(hash / self.capacity) * self.capacity end

function HashMap:find(key, hash)
  local entry = self.buckets:at(self:bucketOf(hash))
  while entry ~= nil do
    if entry.hash == hash and entry.key == key then return entry end
    entry = entry.next
  end
  return nil
end

function HashMap:get(key, hash)
  local entry = self:find(key, hash)
  if entry == nil then return nil end
  return entry.value
end

function HashMap:has(key, hash) return self:find(key, hash) ~= nil end

function HashMap:set(key, hash, value)
  local entry = self:find(key, hash)
  if entry ~= nil then
    entry.value = value
    return
  end
  local bucket = self:bucketOf(hash)
  self.buckets:put(bucket, Entry.new(key, hash, value, self.buckets:at(bucket)))
  self.count = self.count + 1
  if self.count > self.capacity * 2 then self:grow() end
end

function HashMap:remove(key, hash)
  local bucket = self:bucketOf(hash)
  local entry = self.buckets:at(bucket)
  local previous = nil
  while entry ~= nil do
    if entry.hash == hash and entry.key == key then
      if previous == nil then self.buckets:put(bucket, entry.next)
      else previous.next = entry.next end
      self.count = self.count - 1
      return true
    end
    previous = entry
    entry = entry.next
  end
  return false
end

function HashMap:grow()
  local old = self.buckets
  local oldCapacity = self.capacity
  self.levels = self.levels + 1
  self.capacity = self.capacity * 8
  self.buckets = Array.new(self.levels)
  for i = 0, oldCapacity - 1 do
    local entry = old:at(i)
    while entry ~= nil do
      local next = entry.next
      local bucket = self:bucketOf(entry.hash)
      entry.next = self.buckets:at(bucket)
      self.buckets:put(bucket, entry)
      entry = next
    end
  end
end

function HashMap:total()
  local sum = 0
  for i = 0, self.capacity - 1 do
    local entry = self.buckets:at(i)
    while entry ~= nil do
      sum = sum + entry.value
      entry = entry.next
    end
  end
  return sum
end

local function piece(d)
  if d < 8 then
    if d == 0 then return "ba" end
    if d == 1 then return "de" end
    if d == 2 then return "fi" end
    if d == 3 then return "go" end
    if d == 4 then return "hu" end
    if d == 5 then return "ja" end
    if d == 6 then return "ke" end
    return "li"
  end
  if d == 8 then return "mo" end
  if d == 9 then return "nu" end
  if d == 10 then return "pa" end
  if d == 11 then return "re" end
  if d == 12 then return "si" end
  if d == 13 then return "to" end
  if d == 14 then return "vu" end
  return "wy"
end

local Keys = {}
Keys.__index = Keys

function Keys.new()
  return setmetatable({hash = 0}, Keys)
end

function Keys:make(prefix, seed, n)
  local key = prefix
  local hash = seed
  local more = true
  while more do
    local q = floor(n / 16)
    local d = n - q * 16
    key = key .. piece(d)
    hash = hash * 31 + d + 1
    hash = hash - floor(hash / 1000000007) * 1000000007
    n = q
    more = n > 0
  end
  self.hash = hash
  return key
end

local Account = {}
Account.__index = Account

function Account.new(name, balance)
  return setmetatable({name = name, balance = balance}, Account)
end

local function main()
  local start = os.clock()
  local rng = Random.new(31337)
  local keys = Keys.new()

  local counts = HashMap.new()
  for i = 0, 99999 do
    local key = keys:make("w", 7, rng:below(30000))
    local hash = keys.hash
    local count = counts:get(key, hash)
    if count == nil then count = 0 end
    counts:set(key, hash, count + 1)
  end
  printInt(counts.count)
  printInt(counts:total())

  local removed = 0
  for n = 0, 29999, 2 do
    if counts:remove(keys:make("w", 7, n), keys.hash) then removed = removed + 1 end
  end
  printInt(removed)
  printInt(counts.count)
  local hits = 0
  for i = 0, 59999 do
    if counts:has(keys:make("w", 7, rng:below(40000)), keys.hash) then hits = hits + 1 end
  end
  printInt(hits)

  local accounts = HashMap.new()
  for n = 0, 4999 do
    local name = keys:make("acct-", 11, n)
    accounts:set(name, keys.hash, Account.new(name, 100))
  end
  local moved = 0
  for i = 0, 39999 do
    local from = accounts:get(keys:make("acct-", 11, rng:below(5000)), keys.hash)
    local to = accounts:get(keys:make("acct-", 11, rng:below(5000)), keys.hash)
    local amount = 1 + rng:below(20)
    if from.balance >= amount and from ~= to then
      from.balance = from.balance - amount
      to.balance = to.balance + amount
      moved = moved + amount
    end
  end
  printInt(moved)
  local richest = 0
  local checksum = 0
  for n = 0, 4999 do
    local account = accounts:get(keys:make("acct-", 11, n), keys.hash)
    if account.balance > richest then richest = account.balance end
    checksum = checksum + account.balance * (n + 1)
    checksum = checksum - floor(checksum / 1000003) * 1000003
  end
  printInt(richest)
  printInt(checksum)
  show(os.clock() - start)
end

main()
