// A bank teller (a Node worker): runs one withdrawal per job (see withdraw.ts).
import { serve } from '../support/crew';
import { withdraw } from './withdraw';

serve(withdraw);
