-- Lua translation of bench/fields.lox (field reads and writes), statement for
-- statement; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local Particle = {}
Particle.__index = Particle

function Particle.new(x, y, vx, vy)
  return setmetatable({x = x, y = y, vx = vx, vy = vy, bounces = 0, next = nil}, Particle)
end

local function makeSwarm(n)
  local head = nil
  for i = 0, n - 1 do
    local p = Particle.new(i, 2 * i, 1 + i / 8, 3 - i / 16)
    p.next = head
    head = p
  end
  return head
end

local function step(head)
  local p = head
  while p ~= nil do
    p.x = p.x + p.vx
    p.y = p.y + p.vy
    if p.x < 0 or p.x > 1000 then
      p.vx = -p.vx
      p.bounces = p.bounces + 1
    end
    if p.y < 0 or p.y > 1000 then
      p.vy = -p.vy
      p.bounces = p.bounces + 1
    end
    p = p.next
  end
end

local function totalBounces(head)
  local sum = 0
  local p = head
  while p ~= nil do
    sum = sum + p.bounces
    p = p.next
  end
  return sum
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

local Box = {}
Box.__index = Box

local function scratch(n)
  local b = setmetatable({}, Box)
  b.a = 1; b.b = 2; b.c = 3; b.d = 4; b.e = 5; b.f = 6; b.g = 7; b.h = 8
  for i = 0, n - 1 do
    b.a = b.b
    b.b = b.c
    b.c = b.d
    b.d = b.e
    b.e = b.f
    b.f = b.g
    b.g = b.h
    b.h = b.a + 1
  end
  return b.a + b.b + b.c + b.d + b.e + b.f + b.g + b.h
end

local function main()
  local start = os.clock()
  local swarm = makeSwarm(200)
  for i = 0, 14999 do
    step(swarm)
  end
  show(totalBounces(swarm))
  show(swarm.x)
  show(swarm.y)
  printInt(scratch(2000000))
  show(os.clock() - start)
end

main()
