-- Lua translation of bench/nbody.lox (n-body simulation: floating point and
-- fields; square roots by Newton's method), statement for statement; see
-- bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local PI = 3.141592653589793
local SOLAR_MASS = 4 * PI * PI
local DAYS_PER_YEAR = 365.24

local function sqrt(x)
  if x <= 0 then return 0 end
  local g = x
  if g > 1 then g = x / 2 end
  for i = 0, 59 do
    local next = (g + x / g) / 2
    if next == g then return g end
    g = next
  end
  return g
end

local function floor(x)
  local r = (x + 4503599627370496) - 4503599627370496
  if r > x then r = r - 1 end
  return r
end

local function scaled(x)
  if x < 0 then return -floor(-x * 1000000000) - 1 end
  return floor(x * 1000000000)
end

local function printInt(n)
  if n < 0 then
    print("-")
    n = -n
  end
  if n < 1000000 then
    show(n)
    return
  end
  local hi = floor(n / 1000000)
  printInt(hi)
  show(n - hi * 1000000)
end

local Body = {}
Body.__index = Body

function Body.new(x, y, z, vx, vy, vz, mass)
  return setmetatable({
    x = x,
    y = y,
    z = z,
    vx = vx * DAYS_PER_YEAR,
    vy = vy * DAYS_PER_YEAR,
    vz = vz * DAYS_PER_YEAR,
    mass = mass * SOLAR_MASS,
    next = nil,
  }, Body)
end

local System = {}
System.__index = System

function System.new()
  return setmetatable({bodies = nil, last = nil}, System)
end

function System:add(body)
  if self.last == nil then self.bodies = body else self.last.next = body end
  self.last = body
end

function System:offsetMomentum()
  local px = 0
  local py = 0
  local pz = 0
  local b = self.bodies
  while b ~= nil do
    px = px + b.vx * b.mass
    py = py + b.vy * b.mass
    pz = pz + b.vz * b.mass
    b = b.next
  end
  local sun = self.bodies
  sun.vx = -px / SOLAR_MASS
  sun.vy = -py / SOLAR_MASS
  sun.vz = -pz / SOLAR_MASS
end

function System:energy()
  local e = 0
  local a = self.bodies
  while a ~= nil do
    e = e + 0.5 * a.mass * (a.vx * a.vx + a.vy * a.vy + a.vz * a.vz)
    local b = a.next
    while b ~= nil do
      local dx = a.x - b.x
      local dy = a.y - b.y
      local dz = a.z - b.z
      e = e - a.mass * b.mass / sqrt(dx * dx + dy * dy + dz * dz)
      b = b.next
    end
    a = a.next
  end
  return e
end

function System:advance(dt)
  local a = self.bodies
  while a ~= nil do
    local b = a.next
    while b ~= nil do
      local dx = a.x - b.x
      local dy = a.y - b.y
      local dz = a.z - b.z
      local d2 = dx * dx + dy * dy + dz * dz
      local mag = dt / (d2 * sqrt(d2))
      local bm = b.mass * mag
      a.vx = a.vx - dx * bm
      a.vy = a.vy - dy * bm
      a.vz = a.vz - dz * bm
      local am = a.mass * mag
      b.vx = b.vx + dx * am
      b.vy = b.vy + dy * am
      b.vz = b.vz + dz * am
      b = b.next
    end
    a = a.next
  end
  a = self.bodies
  while a ~= nil do
    a.x = a.x + dt * a.vx
    a.y = a.y + dt * a.vy
    a.z = a.z + dt * a.vz
    a = a.next
  end
end

local function makeSystem()
  local s = System.new()
  s:add(Body.new(0, 0, 0, 0, 0, 0, 1))
  -- Jupiter
  s:add(Body.new(4.84143144246472090, -1.16032004402742839, -0.103622044471123109,
                 0.00166007664274403694, 0.00769901118419740425, -0.0000690460016972063023,
                 0.000954791938424326609))
  -- Saturn
  s:add(Body.new(8.34336671824457987, 4.12479856412430479, -0.403523417114321381,
                 -0.00276742510726862411, 0.00499852801234917238, 0.0000230417297573763929,
                 0.000285885980666130812))
  -- Uranus
  s:add(Body.new(12.8943695621391310, -15.1111514016986312, -0.223307578892655734,
                 0.00296460137564761618, 0.00237847173959480950, -0.0000296589568540237556,
                 0.0000436624404335156298))
  -- Neptune
  s:add(Body.new(15.3796971148509165, -25.9193146099879641, 0.179258772950371181,
                 0.00268067772490389322, 0.00162824170038242295, -0.0000951592254519715870,
                 0.0000515138902046611451))
  s:offsetMomentum()
  return s
end

local function main()
  local start = os.clock()
  local system = makeSystem()
  printInt(scaled(system:energy()))
  for i = 0, 99999 do system:advance(0.01) end
  printInt(scaled(system:energy()))
  local b = system.bodies.next
  printInt(scaled(b.x))
  printInt(scaled(b.y))
  show(os.clock() - start)
end

main()
