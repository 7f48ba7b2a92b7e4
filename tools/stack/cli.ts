import { envLines, LocalStack } from './stack';

/**
 * npm run stack:up | stack:down | stack:status | stack:env  [-- --profile test]
 * The local Kafka and PostgreSQL of docs/operations.md, "Running locally".
 */
async function main(): Promise<void> {
  const [command = 'status', ...rest] = process.argv.slice(2);
  const profileIndex = rest.indexOf('--profile');
  const profileName = profileIndex >= 0 ? rest[profileIndex + 1]! : (process.env.ANNALS_STACK_PROFILE ?? 'dev');
  const stack = new LocalStack(profileName);
  const log = (line: string) => console.log(`[stack:${profileName}] ${line}`);

  switch (command) {
    case 'up': {
      const settings = await stack.up(log);
      console.log('\nConnection settings (eval "$(npm run -s stack:env)" to use them in a shell):');
      for (const line of envLines(settings)) console.log(`  ${line}`);
      break;
    }
    case 'down':
      await stack.down(log);
      break;
    case 'destroy':
      await stack.destroy(log);
      break;
    case 'status': {
      const status = await stack.status();
      console.log(`Kafka:      ${status.kafka}`);
      console.log(`PostgreSQL: ${status.postgres}`);
      if (status.settings) for (const line of envLines(status.settings)) console.log(`  ${line}`);
      break;
    }
    case 'env':
      for (const line of envLines(stack.readSettings())) console.log(line);
      break;
    default:
      throw new Error(`unknown command "${command}": use up, down, status, env or destroy`);
  }
}

main().catch((error: Error) => {
  console.error(`stack: ${error.message}`);
  process.exit(1);
});
