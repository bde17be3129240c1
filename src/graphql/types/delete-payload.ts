import { builder } from '../builder.js';

export const DeleteInput = builder.inputType('DeleteInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

export const DeletePayload = builder.objectRef<{ deletedId: string }>('DeletePayload').implement({
  fields: (t) => ({ deletedId: t.exposeID('deletedId') }),
});
