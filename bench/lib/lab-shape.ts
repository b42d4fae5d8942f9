/** Constants shared by the lab benchmark (bench/lab.ts) and the programs it runs inside the lab. */

/** Subresources of the lab's page (./lab-servers.ts): stylesheets and scripts in its head, images after. */
export const PAGE_RESOURCES = { css: 8, js: 8, img: 28 } as const;
