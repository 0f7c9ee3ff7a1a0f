-- Lua version of the book's benchmark zoo_batch (test/benchmark in the Crafting
-- Interpreters repository): the same work, written from reading the Lox
-- program; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local Zoo = {}
Zoo.__index = Zoo

function Zoo.new()
  return setmetatable({
    aarvark  = 1,
    baboon   = 1,
    cat      = 1,
    donkey   = 1,
    elephant = 1,
    fox      = 1,
  }, Zoo)
end

function Zoo:ant()    return self.aarvark end
function Zoo:banana() return self.baboon end
function Zoo:tuna()   return self.cat end
function Zoo:hay()    return self.donkey end
function Zoo:grass()  return self.elephant end
function Zoo:mouse()  return self.fox end

local zoo = Zoo.new()
local sum = 0
local start = os.clock()
local batch = 0
while os.clock() - start < 10 do
  for i = 0, 9999 do
    sum = sum + zoo:ant()
              + zoo:banana()
              + zoo:tuna()
              + zoo:hay()
              + zoo:grass()
              + zoo:mouse()
  end
  batch = batch + 1
end

show(sum)
show(batch)
show(os.clock() - start)
