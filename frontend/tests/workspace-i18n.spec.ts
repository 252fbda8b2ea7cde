/** Every error code the workspace can meet has a message in both languages. */
import { describe, expect, it } from 'vitest'
import { SEALED_ERROR_CODES } from '@/sealed/errors'
import workspaceEn from '@/i18n/workspace.en'
import workspaceZh from '@/i18n/workspace.zh-CN'
import { MissingKeyHandleError } from '@/crypto/keys'
import { UploadStopped } from '@/upload/uploader'

describe('workspace messages', () => {
  it('translate every sealed-bid error code and the key re-import code', () => {
    const codes = [...SEALED_ERROR_CODES, new MissingKeyHandleError('decrypt').code]
    for (const messages of [workspaceZh.workspace.sealedError, workspaceEn.workspace.sealedError]) {
      for (const code of codes) expect(messages[code as keyof typeof messages], code).toBeTruthy()
    }
  })

  it('translate every reason the uploader stops for', () => {
    for (const code of ['rejected', 'not_sealed', 'size_changed'] as const) {
      expect(new UploadStopped(code).code).toBe(code)
      expect(workspaceZh.workspace.uploadError[code]).toBeTruthy()
      expect(workspaceEn.workspace.uploadError[code]).toBeTruthy()
    }
  })
})
