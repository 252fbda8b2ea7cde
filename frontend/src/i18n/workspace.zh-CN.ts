/** 中文 texts of the workspace pages; `workspace.en.ts` has the same keys. */
const workspace = {
  workspace: {
    title: '投标人工作台',
  },
}

export type WorkspaceMessages = typeof workspace
export default workspace
