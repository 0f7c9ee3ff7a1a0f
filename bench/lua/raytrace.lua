-- Lua translation of bench/raytrace.lox (a ray tracer with a vector class),
-- statement for statement; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

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

local Vec = {}
Vec.__index = Vec

function Vec.new(x, y, z)
  return setmetatable({x = x, y = y, z = z}, Vec)
end

function Vec:plus(v) return Vec.new(self.x + v.x, self.y + v.y, self.z + v.z) end
function Vec:minus(v) return Vec.new(self.x - v.x, self.y - v.y, self.z - v.z) end
function Vec:times(k) return Vec.new(self.x * k, self.y * k, self.z * k) end
function Vec:dot(v) return self.x * v.x + self.y * v.y + self.z * v.z end
function Vec:norm() return self:times(1 / sqrt(self:dot(self))) end

local Hit = {}
Hit.__index = Hit

function Hit.new(t, point, normal, thing)
  return setmetatable({t = t, point = point, normal = normal, thing = thing}, Hit)
end

local Sphere = {}
Sphere.__index = Sphere

function Sphere.new(center, radius, shade, mirror)
  return setmetatable({
    center = center,
    radius = radius,
    shade = shade,
    mirror = mirror,
    next = nil,
  }, Sphere)
end

function Sphere:intersect(origin, dir)
  local oc = origin:minus(self.center)
  local b = oc:dot(dir)
  local c = oc:dot(oc) - self.radius * self.radius
  local disc = b * b - c
  if disc < 0 then return -1 end
  local root = sqrt(disc)
  local t = -b - root
  if t > 0.0001 then return t end
  t = -b + root
  if t > 0.0001 then return t end
  return -1
end

function Sphere:normalAt(point) return point:minus(self.center):norm() end
function Sphere:shadeAt(point) return self.shade end

local Floor = {}
Floor.__index = Floor

function Floor.new(height)
  return setmetatable({height = height, mirror = 0.2, next = nil}, Floor)
end

function Floor:intersect(origin, dir)
  if dir.y > -0.0001 and dir.y < 0.0001 then return -1 end
  local t = (self.height - origin.y) / dir.y
  if t > 0.0001 then return t end
  return -1
end

function Floor:normalAt(point) return Vec.new(0, 1, 0) end

function Floor:shadeAt(point)
  local cx = floor(point.x + 1000)
  local cz = floor(point.z + 1000)
  local sum = cx + cz
  if sum - floor(sum / 2) * 2 == 0 then return 0.9 end
  return 0.3
end

local Scene = {}
Scene.__index = Scene

function Scene.new()
  return setmetatable({things = nil, light = Vec.new(-4, 6, -3)}, Scene)
end

function Scene:add(thing)
  thing.next = self.things
  self.things = thing
end

function Scene:nearest(origin, dir)
  local best = nil
  local bestT = 1000000
  local thing = self.things
  while thing ~= nil do
    local t = thing:intersect(origin, dir)
    if t > 0 and t < bestT then
      bestT = t
      best = thing
    end
    thing = thing.next
  end
  if best == nil then return nil end
  local point = origin:plus(dir:times(bestT))
  return Hit.new(bestT, point, best:normalAt(point), best)
end

function Scene:trace(origin, dir, depth)
  local hit = self:nearest(origin, dir)
  if hit == nil then return 0.05 + 0.1 * dir.y end
  local toLight = self.light:minus(hit.point)
  local distance = sqrt(toLight:dot(toLight))
  local l = toLight:times(1 / distance)
  local diffuse = hit.normal:dot(l)
  if diffuse < 0 then diffuse = 0 end
  local blocker = self:nearest(hit.point, l)
  if blocker ~= nil and blocker.t < distance then diffuse = diffuse * 0.2 end
  local color = 0.1 + 0.9 * diffuse * hit.thing:shadeAt(hit.point)
  local mirror = hit.thing.mirror
  if depth > 0 and mirror > 0 then
    local bounce = dir:minus(hit.normal:times(2 * dir:dot(hit.normal)))
    color = color * (1 - mirror) + mirror * self:trace(hit.point, bounce, depth - 1)
  end
  return color
end

local function glyph(v)
  if v < 0.1 then return " " end
  if v < 0.2 then return "." end
  if v < 0.3 then return ":" end
  if v < 0.4 then return "-" end
  if v < 0.5 then return "=" end
  if v < 0.6 then return "+" end
  if v < 0.7 then return "*" end
  if v < 0.8 then return "#" end
  if v < 0.9 then return "%" end
  return "@"
end

local function makeScene()
  local scene = Scene.new()
  scene:add(Floor.new(-1))
  scene:add(Sphere.new(Vec.new(0, 0, 5), 1, 0.9, 0.3))
  scene:add(Sphere.new(Vec.new(-2.2, -0.3, 6), 0.7, 0.7, 0))
  scene:add(Sphere.new(Vec.new(2, -0.5, 4.5), 0.5, 1, 0.5))
  scene:add(Sphere.new(Vec.new(1.2, 1.4, 7), 0.8, 0.6, 0))
  return scene
end

local function render(scene, width, height, samples)
  local eye = Vec.new(0, 0.6, -2)
  local checksum = 0
  for row = 0, height - 1 do
    local line = ""
    for col = 0, width - 1 do
      local sum = 0
      for s = 0, samples - 1 do
        local jitter = s / samples
        local x = (col + jitter) / width * 3.2 - 1.6
        local y = 1.4 - (row + jitter) / height * 2.8
        local dir = Vec.new(x, y - 0.3, 3):norm()
        sum = sum + scene:trace(eye, dir, 2)
      end
      local v = sum / samples
      checksum = checksum + floor(v * 1000)
      line = line .. glyph(v)
    end
    show(line)
  end
  return checksum
end

local function main()
  local start = os.clock()
  show(render(makeScene(), 72, 30, 40))
  show(os.clock() - start)
end

main()
