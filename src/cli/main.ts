import { addPlaceholders, commandIn, COMMANDS, createProgram } from './commands.ts';

const program = createProgram();
const name = commandIn(process.argv.slice(2));
// only the named command's module is imported; otherwise (--help, a typo) the listing needs none
if (name !== undefined && Object.hasOwn(COMMANDS, name)) (await COMMANDS[name].load())(program);
else addPlaceholders(program);

await program.parseAsync(process.argv);
