export {
  buildGateway,
  defaultGatewayTimeouts,
  type GatewayRoute,
  type GatewayTimeouts,
} from './gateway.ts';
