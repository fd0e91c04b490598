const fs = require('node:fs');

module.exports = {
  register() {},
  /**
   * `npm run demo` only (MAIL_SERVER_DEMO_SEED names a file it wrote): Settings → Mail Server
   * pre-filled for the local mail stack when nothing is saved yet — an admin's own changes are
   * kept in later runs — and an example article to request an approval on.
   */
  async bootstrap({ strapi }) {
    const seedFile = process.env.MAIL_SERVER_DEMO_SEED;
    if (!seedFile) return;
    const { settings, article } = JSON.parse(fs.readFileSync(seedFile, 'utf8'));
    const service = strapi.plugin('mail-server').service('settings');
    const saved = await service.getView();
    if (!saved.smtp.host && !saved.imap.host) await service.save(settings);
    const articles = strapi.documents('api::article.article');
    if ((await articles.count({})) === 0) await articles.create({ data: article });
  },
};
