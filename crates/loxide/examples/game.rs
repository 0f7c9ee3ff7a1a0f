//! A host application that scripts itself with Lox: a tiny game loop whose rules are a
//! script. The host owns the world (a Rust struct the script holds as userdata) and
//! gives the script host functions to read and change it; the script defines `tick`,
//! which the host calls once per frame, and `on_collision`, a callback it registers.
//!
//! Run it with `cargo run -p loxide --example game`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use loxide::{Error, Function, Options, SharedBuffer, UserData, Vm};

/// The world the host simulates; scripts see it only as an opaque handle.
struct World {
    x: f64,
    speed: f64,
    wall: f64,
}

/// The rules, as a player might mod them.
const RULES: &str = r#"
var bounces = 0;

fun tick(world, frame) {
  move(world);
  if (position(world) >= wall(world)) collide(world);
  if (frame == 5) set_speed(world, speed(world) * 2);
  print "frame " + str(frame) + ": x = " + str(position(world));
}

fun on_bounce(world) {
  bounces = bounces + 1;
  log("bounce " + str(bounces) + " at frame " + str(frame_count()));
  set_speed(world, -speed(world));
}

when_colliding(on_bounce);
"#;

/// Runs ten frames; returns what the script logged and the host printed.
pub fn run() -> Result<String, Error> {
    let out = SharedBuffer::new();
    let mut vm = Vm::with_output(Options::embedded(), Box::new(out.clone()));
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let frame = Arc::new(Mutex::new(0.0));
    let callback: Arc<Mutex<Option<Function>>> = Arc::default();

    // Host functions over the world, which scripts hold as userdata.
    vm.register_fn("position", |vm, (w,): (UserData,)| {
        Ok(vm.userdata::<World>(&w)?.x)
    })?;
    vm.register_fn("wall", |vm, (w,): (UserData,)| {
        Ok(vm.userdata::<World>(&w)?.wall)
    })?;
    vm.register_fn("speed", |vm, (w,): (UserData,)| {
        Ok(vm.userdata::<World>(&w)?.speed)
    })?;
    vm.register_fn("set_speed", |vm, (w, speed): (UserData, f64)| {
        vm.userdata_mut::<World>(&w)?.speed = speed;
        Ok(())
    })?;
    vm.register_fn("move", |vm, (w,): (UserData,)| {
        let world = vm.userdata_mut::<World>(&w)?;
        world.x += world.speed;
        Ok(())
    })?;
    vm.register_fn("str", |_vm, (n,): (f64,)| Ok(n.to_string()))?;
    let frames = Arc::clone(&frame);
    vm.register_fn("frame_count", move |_vm, ()| {
        Ok(*frames.lock().expect("frame"))
    })?;
    let lines = Arc::clone(&log);
    vm.register_fn("log", move |_vm, (line,): (String,)| {
        lines.lock().expect("log").push(line);
        Ok(())
    })?;
    // The script registers a Lox function; the host keeps it (a rooted handle).
    let slot = Arc::clone(&callback);
    vm.register_fn("when_colliding", move |_vm, (f,): (Function,)| {
        *slot.lock().expect("callback") = Some(f);
        Ok(())
    })?;
    // A host function that calls back into Lox: re-entrancy.
    let slot = Arc::clone(&callback);
    vm.register_fn("collide", move |vm, (w,): (UserData,)| {
        let f = slot.lock().expect("callback").clone();
        match f {
            Some(f) => vm.call::<_, ()>(&f, (w,)),
            None => Ok(()),
        }
    })?;

    let world = vm.create_userdata(World {
        x: 0.0,
        speed: 1.0,
        wall: 6.0,
    })?;
    vm.set_global("world", world.clone())?;
    vm.run(&loxide::compile(RULES)?)?;
    let tick: Function = vm.get_global("tick")?;
    for n in 1..=10 {
        *frame.lock().expect("frame") = f64::from(n);
        vm.call::<_, ()>(&tick, (world.clone(), n))?;
    }
    let world = vm.userdata::<World>(&world)?;
    let mut report = out.contents();
    for line in log.lock().expect("log").iter() {
        report.push_str(&format!("log: {line}\n"));
    }
    report.push_str(&format!("x = {}, speed = {}\n", world.x, world.speed));
    report.push_str(&format!("bounces = {}\n", vm.get_global::<f64>("bounces")?));
    Ok(report)
}

fn main() {
    match run() {
        Ok(report) => {
            let _ = std::io::stdout().write_all(report.as_bytes());
        }
        Err(error) => {
            eprint!("{error}");
            std::process::exit(1);
        }
    }
}
