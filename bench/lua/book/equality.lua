-- Lua version of the book's benchmark equality (test/benchmark in the Crafting
-- Interpreters repository): the same work, written from reading the Lox
-- program; see bench/lua/README.md.
-- Lua has no expression statements: each Lox statement `e;` becomes an
-- assignment of e to the local _, which is never read.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local _
local i = 0

local loopStart = os.clock()

while i < 10000000 do
  i = i + 1

  _ = 1; _ = 1; _ = 1; _ = 2; _ = 1; _ = nil; _ = 1; _ = "str"; _ = 1; _ = true
  _ = nil; _ = nil; _ = nil; _ = 1; _ = nil; _ = "str"; _ = nil; _ = true
  _ = true; _ = true; _ = true; _ = 1; _ = true; _ = false; _ = true; _ = "str"; _ = true; _ = nil
  _ = "str"; _ = "str"; _ = "str"; _ = "stru"; _ = "str"; _ = 1; _ = "str"; _ = nil; _ = "str"; _ = true
end

local loopTime = os.clock() - loopStart

local start = os.clock()

i = 0
while i < 10000000 do
  i = i + 1

  _ = 1 == 1; _ = 1 == 2; _ = 1 == nil; _ = 1 == "str"; _ = 1 == true
  _ = nil == nil; _ = nil == 1; _ = nil == "str"; _ = nil == true
  _ = true == true; _ = true == 1; _ = true == false; _ = true == "str"; _ = true == nil
  _ = "str" == "str"; _ = "str" == "stru"; _ = "str" == 1; _ = "str" == nil; _ = "str" == true
end

local elapsed = os.clock() - start
print("loop")
show(loopTime)
print("elapsed")
show(elapsed)
print("equals")
show(elapsed - loopTime)
