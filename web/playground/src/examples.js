// The examples menu. The bee is the Potato seed program of docs/potato.md, read from
// the file the documentation shows, so the two cannot drift apart.
import bee from "../../../docs/examples/seed.potato";

export const EXAMPLES = [
  {
    name: "Closures",
    lang: "lox",
    source: `fun makeCounter() {
  var count = 0;
  fun counter() {
    count = count + 1;
    return count;
  }
  return counter;
}

var next = makeCounter();
print next();
print next();
`,
  },
  {
    name: "Bee",
    lang: "potato",
    source: bee,
  },
  {
    name: "Classes",
    lang: "lox",
    source: `class Bee {
  init(name) {
    this.name = name;
  }
  buzz() {
    print this.name + " buzzes";
  }
}

class Queen < Bee {
  buzz() {
    super.buzz();
    print "and rules the hive";
  }
}

var queen = Queen("Beatrix");
queen.buzz();
`,
  },
  {
    name: "Fibonacci",
    lang: "lox",
    source: `fun fib(n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

for (var i = 0; i < 10; i = i + 1) {
  print fib(i);
}
`,
  },
  {
    name: "Runtime error",
    lang: "lox",
    source: `fun inner(x) {
  return x + "!";
}

fun outer() {
  return inner(1);
}

print outer();
`,
  },
];
