export { buildGateway, type GatewayRoute } from './gateway.ts';
