-- Lua translation of bench/equality.lox (== and ~= across types), statement
-- for statement; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local Thing = {}
Thing.__index = Thing

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

local function mixed(n)
  local a = setmetatable({}, Thing)
  local b = setmetatable({}, Thing)
  local s = "left"
  local t = "right"
  local nothing = nil
  local yes = true
  local no = false
  local one = 1
  local hits = 0
  for i = 0, n - 1 do
    local k = i
    if k == 7 then hits = hits + 1 end
    if k ~= nothing then hits = hits + 1 end
    if nothing == nil then hits = hits + 1 end
    if yes == no then hits = hits - 1 end
    if yes ~= true then hits = hits - 1 end
    if s == t then hits = hits - 1 end
    if s == "left" then hits = hits + 1 end
    if s ~= t then hits = hits + 1 end
    if a == b then hits = hits - 1 end
    if a == a then hits = hits + 1 end
    if a ~= nil then hits = hits + 1 end
    if s == one then hits = hits - 1 end
    if one == yes then hits = hits - 1 end
    if nothing == no then hits = hits - 1 end
    if k == s then hits = hits - 1 end
  end
  return hits
end

local function equalSteps(n)
  local x = 1
  local same = 0
  local last = nil
  for i = 0, n - 1 do
    x = x + 3
    if x == 40 then x = 1 end
    if x == last then same = same + 1 end
    last = x - 3
    if x == 10 or x == 19 or x == 28 or x == 37 then same = same + 2 end
  end
  return same
end

local function truth(n)
  local count = 0
  local flag = true
  for i = 0, n - 1 do
    flag = not flag
    if (i < 100) == flag then count = count + 1 end
    if (i > 50) ~= flag then count = count + 1 end
    if flag == not flag then count = count - 1 end
  end
  return count
end

local function main()
  local start = os.clock()
  printInt(mixed(1000000))
  printInt(equalSteps(3000000))
  printInt(truth(3000000))
  show(os.clock() - start)
end

main()
