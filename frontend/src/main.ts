import { createApp } from 'vue'
import App from './App.vue'
import { configureApiClient } from './api/client'
import { sessionToken } from './auth/session'
import { currentLocale, i18n, syncDocumentLang } from './i18n'
import { router } from './router'
import './styles.css'

configureApiClient({ locale: currentLocale, token: sessionToken })
syncDocumentLang()

createApp(App).use(i18n).use(router).mount('#app')
