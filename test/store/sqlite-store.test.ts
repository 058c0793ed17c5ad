import path from "node:path";
import { SqliteStore } from "../../engine/index.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { awkwardTextContract } from "./awkward-text-contract.ts";
import { concurrentWritesContract } from "./concurrent-writes-contract.ts";
import { storeContract, type StoreFactory } from "./store-contract.ts";

const sqlite: StoreFactory = {
  async create() {
    const { dir, remove } = tempDir();
    const filename = path.join(dir, "runnel.db");
    let store = new SqliteStore({ filename });
    return {
      store,
      async reopen() {
        await store.close();
        store = new SqliteStore({ filename });
        return store;
      },
      async cleanup() {
        await store.close().catch(() => undefined);
        remove();
      },
    };
  },
};

storeContract("sqlite", sqlite);
concurrentWritesContract("sqlite", sqlite);
awkwardTextContract("sqlite", sqlite);
