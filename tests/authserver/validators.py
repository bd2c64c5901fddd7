from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    # ``email`` needs the ``email`` scope (OIDC's standard claim-to-scope map).
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "preferred_username": "email"}

    def get_additional_claims(self, request):
        return {"email": request.user.email, "preferred_username": request.user.email}
