-- Lua version of the book's benchmark properties (test/benchmark in the Crafting
-- Interpreters repository): the same work, written from reading the Lox
-- program; see bench/lua/README.md.

local function show(v)
  if type(v) == "number" then v = string.format("%g", v) end
  print(v)
end

local Foo = {}
Foo.__index = Foo

function Foo.new()
  return setmetatable({
    field0 = 1,
    field1 = 1,
    field2 = 1,
    field3 = 1,
    field4 = 1,
    field5 = 1,
    field6 = 1,
    field7 = 1,
    field8 = 1,
    field9 = 1,
    field10 = 1,
    field11 = 1,
    field12 = 1,
    field13 = 1,
    field14 = 1,
    field15 = 1,
    field16 = 1,
    field17 = 1,
    field18 = 1,
    field19 = 1,
    field20 = 1,
    field21 = 1,
    field22 = 1,
    field23 = 1,
    field24 = 1,
    field25 = 1,
    field26 = 1,
    field27 = 1,
    field28 = 1,
    field29 = 1,
  }, Foo)
end

function Foo:method0() return self.field0 end
function Foo:method1() return self.field1 end
function Foo:method2() return self.field2 end
function Foo:method3() return self.field3 end
function Foo:method4() return self.field4 end
function Foo:method5() return self.field5 end
function Foo:method6() return self.field6 end
function Foo:method7() return self.field7 end
function Foo:method8() return self.field8 end
function Foo:method9() return self.field9 end
function Foo:method10() return self.field10 end
function Foo:method11() return self.field11 end
function Foo:method12() return self.field12 end
function Foo:method13() return self.field13 end
function Foo:method14() return self.field14 end
function Foo:method15() return self.field15 end
function Foo:method16() return self.field16 end
function Foo:method17() return self.field17 end
function Foo:method18() return self.field18 end
function Foo:method19() return self.field19 end
function Foo:method20() return self.field20 end
function Foo:method21() return self.field21 end
function Foo:method22() return self.field22 end
function Foo:method23() return self.field23 end
function Foo:method24() return self.field24 end
function Foo:method25() return self.field25 end
function Foo:method26() return self.field26 end
function Foo:method27() return self.field27 end
function Foo:method28() return self.field28 end
function Foo:method29() return self.field29 end

local foo = Foo.new()
local start = os.clock()
local i = 0
while i < 500000 do
  foo:method0()
  foo:method1()
  foo:method2()
  foo:method3()
  foo:method4()
  foo:method5()
  foo:method6()
  foo:method7()
  foo:method8()
  foo:method9()
  foo:method10()
  foo:method11()
  foo:method12()
  foo:method13()
  foo:method14()
  foo:method15()
  foo:method16()
  foo:method17()
  foo:method18()
  foo:method19()
  foo:method20()
  foo:method21()
  foo:method22()
  foo:method23()
  foo:method24()
  foo:method25()
  foo:method26()
  foo:method27()
  foo:method28()
  foo:method29()
  i = i + 1
end

show(os.clock() - start)
