import { describe } from "vitest";
import { PostgresStore } from "../../engine/store/postgres/store.ts";
import { dropSchema, freshSchema, PG_TEST_URL, postgresUnavailable } from "../helpers/postgres.ts";
import { awkwardTextContract } from "./awkward-text-contract.ts";
import { concurrentWritesContract } from "./concurrent-writes-contract.ts";
import { storeContract, type StoreFactory } from "./store-contract.ts";

const unavailable = await postgresUnavailable();

// Without PostgreSQL this skips, having printed why; with CI=true postgresUnavailable() throws instead.
describe.skipIf(unavailable)("PostgreSQL store", () => {
  const postgres: StoreFactory = {
    async create() {
      const schema = freshSchema("contract");
      const open = () => PostgresStore.open({ connectionString: PG_TEST_URL, schema, poolSize: 4 });
      let store = await open();
      return {
        store,
        async reopen() {
          await store.close();
          store = await open();
          return store;
        },
        async cleanup() {
          await store.close().catch(() => undefined);
          await dropSchema(schema);
        },
      };
    },
  };
  storeContract("postgres", postgres);
  concurrentWritesContract("postgres", postgres);
  awkwardTextContract("postgres", postgres);
});
