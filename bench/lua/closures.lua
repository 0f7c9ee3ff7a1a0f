-- Lua translation of bench/closures.lox (closures and upvalues), statement for
-- statement; see bench/lua/README.md.

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

local function makeCounter(start, stepBy)
  local count = start
  local function next()
    count = count + stepBy
    return count
  end
  return next
end

local function makePair()
  -- Two closures sharing one captured variable, stored on an instance of a
  -- class made by this call.
  local shared = 0
  local function up() shared = shared + 1; return shared end
  local function down() shared = shared - 1; return shared end
  local Pair = {}
  Pair.__index = Pair
  local p = setmetatable({}, Pair)
  p.up = up
  p.down = down
  return p
end

local function compose(f, g)
  local function both(x) return f(g(x)) end
  return both
end

local function adder(n)
  local function add(x) return x + n end
  return add
end

local function counters(n)
  local c = makeCounter(0, 3)
  local d = makeCounter(100, -1)
  local sum = 0
  for i = 0, n - 1 do
    sum = sum + c() + d()
  end
  return sum
end

local function pairs_(n)
  local total = 0
  for i = 0, n - 1 do
    local p = makePair()
    p.up()
    p.up()
    p.down()
    total = total + p.up()
  end
  return total
end

local function pipelines(n)
  local f = compose(adder(1), compose(adder(2), adder(3)))
  local x = 0
  for i = 0, n - 1 do
    x = f(x) - 5
  end
  return x
end

local function loopCaptures(n)
  local total = 0
  for i = 0, n - 1 do
    local j = i
    local function get() return j end
    j = j + 1
    total = total + get()
  end
  return total
end

local function nested(n)
  local a = 0
  local function outer()
    local b = 1
    local function middle()
      local c = 2
      local function inner()
        a = a + b + c
        return a
      end
      return inner()
    end
    return middle()
  end
  local r = 0
  for i = 0, n - 1 do r = outer() end
  return r
end

local function main()
  local start = os.clock()
  printInt(counters(1200000))
  printInt(pairs_(800000))
  printInt(pipelines(1200000))
  printInt(loopCaptures(1200000))
  printInt(nested(800000))
  show(os.clock() - start)
end

main()
