/** independent:variable_object: one item holding every value of the named variable. */
import type { Probe } from '../../types.js';
import { field } from '../entity.js';

export const variableProbe: Probe = {
  family: 'independent',
  objectType: 'variable_object',
  needs: [],
  description: 'reports the values of the named variable; identical offline',
  async collect(req, ctx) {
    const ref = req.entities.get('var_ref');
    if (!ref) return { flag: 'error', items: [], messages: ['variable_object needs var_ref'] };
    const id = ref.value.trim();
    const v = await ctx.variables.value(id);
    // As OpenSCAP: a variable with no values gives no item; one in error or not
    // collected still gives an item carrying only var_ref; values are strings.
    if (v.flag === 'does not exist') return { items: [], messages: [...v.messages] };
    const values = v.flag === 'complete' || v.flag === 'incomplete' ? v.values : [];
    return {
      items: [
        {
          family: 'independent',
          type: 'variable_item',
          status: 'exists',
          entities: [field('var_ref', id), ...values.map((x) => field('value', x))],
        },
      ],
      messages: [...v.messages],
    };
  },
};
