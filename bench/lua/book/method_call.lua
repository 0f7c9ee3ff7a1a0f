-- Lua version of the book's benchmark method_call (test/benchmark in the Crafting
-- Interpreters repository): the same work, written from reading the Lox
-- program; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local Toggle = {}
Toggle.__index = Toggle

function Toggle.init(self, startState)
  self.state = startState
end

function Toggle.new(startState)
  return setmetatable({state = startState}, Toggle)
end

function Toggle:value() return self.state end

function Toggle:activate()
  self.state = not self.state
  return self
end

local NthToggle = setmetatable({}, { __index = Toggle })
NthToggle.__index = NthToggle

function NthToggle.new(startState, maxCounter)
  local self = setmetatable({}, NthToggle)
  Toggle.init(self, startState)
  self.countMax = maxCounter
  self.count = 0
  return self
end

function NthToggle:activate()
  self.count = self.count + 1
  if self.count >= self.countMax then
    Toggle.activate(self)
    self.count = 0
  end
  return self
end

local start = os.clock()
local n = 100000
local val = true
local toggle = Toggle.new(val)

for i = 0, n - 1 do
  val = toggle:activate():value()
  val = toggle:activate():value()
  val = toggle:activate():value()
  val = toggle:activate():value()
  val = toggle:activate():value()
  val = toggle:activate():value()
  val = toggle:activate():value()
  val = toggle:activate():value()
  val = toggle:activate():value()
  val = toggle:activate():value()
end

show(toggle:value())

val = true
local ntoggle = NthToggle.new(val, 3)

for i = 0, n - 1 do
  val = ntoggle:activate():value()
  val = ntoggle:activate():value()
  val = ntoggle:activate():value()
  val = ntoggle:activate():value()
  val = ntoggle:activate():value()
  val = ntoggle:activate():value()
  val = ntoggle:activate():value()
  val = ntoggle:activate():value()
  val = ntoggle:activate():value()
  val = ntoggle:activate():value()
end

show(ntoggle:value())
show(os.clock() - start)
