pub struct Barrier;
