-- Lua translation of bench/report.lox (records formatted into report lines,
-- lines joined into pages, every line built twice and compared), statement
-- for statement; see bench/lua/README.md.

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

local function digit(d)
  if d < 5 then
    if d == 0 then return "0" end
    if d == 1 then return "1" end
    if d == 2 then return "2" end
    if d == 3 then return "3" end
    return "4"
  end
  if d == 5 then return "5" end
  if d == 6 then return "6" end
  if d == 7 then return "7" end
  if d == 8 then return "8" end
  return "9"
end

local function digits(n)
  if n < 10 then return digit(n) end
  local q = floor(n / 10)
  return digits(q) .. digit(n - q * 10)
end

local function digitsFromTheRight(n)
  local q = floor(n / 10)
  local s = digit(n - q * 10)
  while q > 0 do
    n = q
    q = floor(n / 10)
    s = digit(n - q * 10) .. s
  end
  return s
end

local function width(n)
  local w = 1
  while n >= 10 do
    n = floor(n / 10)
    w = w + 1
  end
  return w
end

local function spaces(count)
  local s = ""
  for i = 0, count - 1 do s = s .. " " end
  return s
end

local function padded(n, columns) return spaces(columns - width(n)) .. digits(n) end

local function money(cents)
  local units = floor(cents / 100)
  local rest = cents - units * 100
  if rest < 10 then return digits(units) .. ".0" .. digits(rest) end
  return digits(units) .. "." .. digits(rest)
end

local function moneyAgain(cents)
  local units = floor(cents / 100)
  local rest = cents - units * 100
  local tail = digitsFromTheRight(rest)
  if rest < 10 then tail = "0" .. tail end
  return digitsFromTheRight(units) .. ("." .. tail)
end

local function capital(i)
  if i == 0 then return "Ka" end
  if i == 1 then return "Lo" end
  if i == 2 then return "Mi" end
  if i == 3 then return "Ne" end
  if i == 4 then return "Ru" end
  if i == 5 then return "So" end
  if i == 6 then return "Ti" end
  return "Vu"
end

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

local Record = {}
Record.__index = Record

function Record.new(id, rng)
  local parts = 2 + rng:below(3)
  local name = capital(rng:below(8))
  for i = 1, parts - 1 do name = name .. syllable(rng:below(8)) end
  local quantity = 1 + rng:below(500)
  local price = 5 + rng:below(100000)
  return setmetatable({
    id = id, name = name, nameLength = parts * 2, quantity = quantity, price = price,
  }, Record)
end

function Record:line()
  return "#" .. padded(self.id, 7) .. "  " .. self.name .. spaces(10 - self.nameLength) ..
    padded(self.quantity, 4) .. " x " .. money(self.price) .. " = " ..
    money(self.quantity * self.price)
end

function Record:lineAgain()
  local amounts = " x " .. (moneyAgain(self.price) .. (" = " ..
    moneyAgain(self.quantity * self.price)))
  local quantity = spaces(4 - width(self.quantity)) .. digitsFromTheRight(self.quantity)
  local name = self.name .. spaces(10 - self.nameLength)
  local id = spaces(7 - width(self.id)) .. digitsFromTheRight(self.id)
  return "#" .. (id .. ("  " .. (name .. (quantity .. amounts))))
end

local function main()
  local start = os.clock()
  local rng = Random.new(2718)
  local pages = 600
  local perPage = 40
  local same = 0
  local samePages = 0
  local total = 0
  local firstLine = nil
  local lastLine = nil
  local previousPage = ""
  for p = 0, pages - 1 do
    local page = ""
    for k = 0, perPage - 1 do
      local record = Record.new(p * perPage + k, rng)
      local line = record:line()
      if line == record:lineAgain() then same = same + 1 end
      if firstLine == nil then firstLine = line end
      lastLine = line
      page = page .. line .. " | "
      total = total + record.quantity * record.price
    end
    if page == previousPage then samePages = samePages + 1 end
    previousPage = page
  end
  show(firstLine)
  show(lastLine)
  printInt(same)
  printInt(samePages)
  printInt(total)
  show(os.clock() - start)
end

main()
