// Prints ECS's own flat field list ({"process.pid": "long", ...}) from Elastic's @elastic/ecs
// package, for EcsFieldsTest.
const { EcsFlat } = require('@elastic/ecs/generated/ecs_flat.js');
const out = {};
for (const [name, f] of Object.entries(EcsFlat)) {
  out[name] = f.type;
}
process.stdout.write(JSON.stringify(out));
