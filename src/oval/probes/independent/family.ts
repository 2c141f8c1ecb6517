/** independent:family_object: always "unix" on the targets Vigil scans. */
import type { Probe } from '../../types.js';
import { field } from '../entity.js';

export const familyProbe: Probe = {
  family: 'independent',
  objectType: 'family_object',
  needs: [],
  description: 'reports the family "unix"; identical offline',
  async collect() {
    return { items: [{ family: 'independent', type: 'family_item', status: 'exists', entities: [field('family', 'unix')] }] };
  },
};
