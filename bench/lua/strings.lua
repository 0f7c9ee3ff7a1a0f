-- Lua translation of bench/strings.lox (concatenation, a hand-made table keyed
-- by ==, long strings grown piece by piece), statement for statement; see
-- bench/lua/README.md.

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

local function syllable(i)
  if i == 0 then return "ka" end
  if i == 1 then return "lo" end
  if i == 2 then return "mi" end
  if i == 3 then return "ne" end
  if i == 4 then return "ru" end
  if i == 5 then return "so" end
  if i == 6 then return "ti" end
  return "vu"
end

local Entry = {}
Entry.__index = Entry

function Entry.new(word, next)
  return setmetatable({word = word, count = 1, next = next}, Entry)
end

local Table = {}
Table.__index = Table

function Table.new()
  return setmetatable({
    b0 = nil, b1 = nil, b2 = nil, b3 = nil,
    b4 = nil, b5 = nil, b6 = nil, b7 = nil,
    distinct = 0,
  }, Table)
end

function Table:bucket(i)
  if i == 0 then return self.b0 end
  if i == 1 then return self.b1 end
  if i == 2 then return self.b2 end
  if i == 3 then return self.b3 end
  if i == 4 then return self.b4 end
  if i == 5 then return self.b5 end
  if i == 6 then return self.b6 end
  return self.b7
end

function Table:setBucket(i, e)
  if i == 0 then self.b0 = e end
  if i == 1 then self.b1 = e end
  if i == 2 then self.b2 = e end
  if i == 3 then self.b3 = e end
  if i == 4 then self.b4 = e end
  if i == 5 then self.b5 = e end
  if i == 6 then self.b6 = e end
  if i == 7 then self.b7 = e end
end

function Table:add(hash, word)
  local e = self:bucket(hash)
  while e ~= nil do
    if e.word == word then
      e.count = e.count + 1
      return
    end
    e = e.next
  end
  self:setBucket(hash, Entry.new(word, self:bucket(hash)))
  self.distinct = self.distinct + 1
end

function Table:countOf(hash, word)
  local e = self:bucket(hash)
  while e ~= nil do
    if e.word == word then return e.count end
    e = e.next
  end
  return 0
end

local function words(n)
  local rng = Random.new(12345)
  local table = Table.new()
  for i = 0, n - 1 do
    local first = rng:below(8)
    local word = syllable(first) .. syllable(rng:below(8)) .. syllable(rng:below(4))
    table:add(first, word)
  end
  show(table.distinct)
  show(table:countOf(0, "kaloka"))
  show(table:countOf(7, "vuvune"))
  show(table:countOf(3, "nolo"))
end

local function sentence(n)
  local matches = 0
  for i = 0, n - 1 do
    local s = ""
    for j = 0, 11 do
      s = s .. syllable(j - floor(j / 8) * 8)
    end
    if s == "kalominerusotivukalomine" then matches = matches + 1 end
    if s == "kalominerusotivukalomina" then matches = matches - 1 end
  end
  return matches
end

local function main()
  local start = os.clock()
  words(300000)
  show(sentence(120000))
  show(os.clock() - start)
end

main()
