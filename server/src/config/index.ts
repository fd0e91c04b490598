import { pluginConfigSchema } from './schema';

export default {
  default: {},
  validator: (config: unknown) => {
    const result = pluginConfigSchema.safeParse(config);
    if (!result.success) {
      const where = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new Error(`[mail-server] invalid plugin config: ${where.join('; ')}`);
    }
  },
};
