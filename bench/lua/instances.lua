-- Lua translation of bench/instances.lox (instantiation), statement for
-- statement; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local Empty = {}
Empty.__index = Empty

local Point = {}
Point.__index = Point

function Point.new(x, y)
  return setmetatable({x = x, y = y}, Point)
end

local Segment = {}
Segment.__index = Segment

function Segment.new(a, b)
  return setmetatable({a = a, b = b}, Segment)
end

function Segment:length1()
  local dx = self.b.x - self.a.x
  local dy = self.b.y - self.a.y
  if dx < 0 then dx = -dx end
  if dy < 0 then dy = -dy end
  return dx + dy
end

local Record = {}
Record.__index = Record

function Record.new(id)
  return setmetatable({
    id = id,
    name = "record",
    tag = nil,
    left = nil,
    right = nil,
    weight = id * 2,
  }, Record)
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

local function empties(n)
  local last = nil
  for i = 0, n - 1 do
    last = setmetatable({}, Empty)
    setmetatable({}, Empty); setmetatable({}, Empty); setmetatable({}, Empty)
  end
  return last ~= nil
end

local function points(n)
  local total = 0
  for i = 0, n - 1 do
    local s = Segment.new(Point.new(i, 1), Point.new(3, i + 2))
    total = total + s:length1()
  end
  return total
end

local function records(n)
  local keep = nil
  local sum = 0
  local chain = 0
  for i = 0, n - 1 do
    local r = Record.new(i)
    chain = chain + 1
    if chain == 64 then
      keep = nil
      chain = 0
    end
    r.left = keep
    keep = r
    sum = sum + r.weight
  end
  return sum
end

local function main()
  local start = os.clock()
  show(empties(1000000))
  printInt(points(1000000))
  printInt(records(1000000))
  show(os.clock() - start)
end

main()
