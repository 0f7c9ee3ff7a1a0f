-- Lua translation of bench/calls.lox (function calls: fib, tak, accumulators,
-- chains of tiny helpers), statement for statement; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local function tak(x, y, z)
  if y < x then
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y))
  end
  return z
end

local function stairs(n, a, b)
  if n == 0 then return a end
  return stairs(n - 1, b, a + b)
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

local function inc(x) return x + 1 end
local function twice(x) return inc(inc(x)) end
local function four(x) return twice(twice(x)) end

local function main()
  local start = os.clock()
  local total = 0
  for i = 0, 2 do
    total = total + fib(30 + i)
  end
  printInt(total)

  local t = 0
  for i = 0, 99 do
    t = t + tak(18, 12, 6)
  end
  show(t)

  local s = 0
  for i = 0, 99999 do
    s = s + stairs(40, 0, 1) - stairs(39, 0, 1)
  end
  printInt(s)

  local x = 0
  for i = 0, 999999 do
    x = four(x)
  end
  printInt(x)
  show(os.clock() - start)
end

main()
