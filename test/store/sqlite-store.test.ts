import path from "node:path";
import { SqliteStore } from "../../engine/index.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { storeContract } from "./store-contract.ts";

storeContract("sqlite", {
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
});
