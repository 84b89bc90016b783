// A real OpenID Connect provider on loopback for the single sign-on tests: panva's
// oidc-provider with its development login screen (any password), one confidential
// client, and people read from a JSON file at every login, so a test can change
// someone's groups between two logins. Never for production.
//
//   OIDC_PORT=9000 OIDC_ACCOUNTS=people.json OIDC_REDIRECT_URI=http://127.0.0.1:8000/oidc/callback/ \
//   OIDC_POST_LOGOUT_URI=http://127.0.0.1:8000/ node provider.mjs
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const people = () => JSON.parse(readFileSync(process.env.OIDC_ACCOUNTS, "utf8"));

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "meeting-of-the-minds",
      client_secret: "a-test-only-secret",
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      post_logout_redirect_uris: [process.env.OIDC_POST_LOGOUT_URI],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  scopes: ["openid", "email", "profile", "groups"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["given_name", "family_name", "name"],
    groups: ["groups"],
  },
  async findAccount(ctx, id) {
    const person = people()[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email_verified: true, ...person };
      },
    };
  },
  pkce: { required: () => false },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
});
provider.listen(port, "127.0.0.1", () => console.log(`oidc-provider listening on ${issuer}`));
