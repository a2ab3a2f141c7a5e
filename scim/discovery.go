package scim

// The discovery documents describe exactly what this service supports
// (RFC 7643 §5–7). Locations are below the SCIM base; the handler
// prefixes its base URL.

func serviceProviderConfig() map[string]any {
	return map[string]any{
		"schemas":          []string{SchemaSPConfig},
		"documentationUri": "https://github.com/accountkit/accountkit/blob/main/docs/scim.md",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": MaxCount},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": true},
		"etag":             map[string]any{"supported": true},
		"authenticationSchemes": []map[string]any{{
			"type": "oauthbearertoken", "name": "API key",
			"description": "An accountkit API key of the account holding the scim.provision permission, sent as Authorization: Bearer <key>.",
			"primary":     true,
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": "/ServiceProviderConfig"},
	}
}

func resourceTypes() []map[string]any {
	return []map[string]any{
		{"schemas": []string{SchemaResourceType}, "id": "User", "name": "User", "endpoint": "/Users",
			"description": "A user of the account", "schema": SchemaUser,
			"schemaExtensions": []map[string]any{{"schema": SchemaEnterprise, "required": false}},
			"meta":             map[string]any{"resourceType": "ResourceType", "location": "/ResourceTypes/User"}},
		{"schemas": []string{SchemaResourceType}, "id": "Group", "name": "Group", "endpoint": "/Groups",
			"description": "A team of the account", "schema": SchemaGroup,
			"meta": map[string]any{"resourceType": "ResourceType", "location": "/ResourceTypes/Group"}},
	}
}

func attr(name, typ, mutability, uniqueness string, required, caseExact, multi bool, sub ...map[string]any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": multi, "required": required, "caseExact": caseExact,
		"mutability": mutability, "returned": "default", "uniqueness": uniqueness, "description": ""}
	if len(sub) > 0 {
		a["subAttributes"] = sub
	}
	return a
}

func schemas() []map[string]any {
	user := []map[string]any{
		attr("userName", "string", "immutable", "global", true, false, false),
		attr("externalId", "string", "readWrite", "server", false, true, false),
		attr("name", "complex", "readWrite", "none", false, false, false,
			attr("givenName", "string", "readWrite", "none", false, false, false),
			attr("familyName", "string", "readWrite", "none", false, false, false),
			attr("formatted", "string", "readOnly", "none", false, false, false)),
		attr("displayName", "string", "readOnly", "none", false, false, false),
		attr("emails", "complex", "readWrite", "none", true, false, true,
			attr("value", "string", "readWrite", "none", true, false, false),
			attr("type", "string", "readOnly", "none", false, false, false),
			attr("primary", "boolean", "readOnly", "none", false, false, false)),
		attr("phoneNumbers", "complex", "readWrite", "none", false, false, true,
			attr("value", "string", "readWrite", "none", false, false, false),
			attr("type", "string", "readOnly", "none", false, false, false)),
		attr("active", "boolean", "readWrite", "none", false, false, false),
	}
	group := []map[string]any{
		attr("displayName", "string", "readWrite", "server", true, false, false),
		attr("externalId", "string", "readWrite", "server", false, true, false),
		attr("members", "complex", "readWrite", "none", false, false, true,
			attr("value", "string", "immutable", "none", false, true, false),
			attr("display", "string", "readOnly", "none", false, false, false),
			attr("$ref", "reference", "readOnly", "none", false, false, false)),
	}
	manager := attr("manager", "complex", "readWrite", "none", false, false, false,
		attr("value", "string", "readWrite", "none", false, true, false),
		attr("$ref", "reference", "readOnly", "none", false, false, false))
	enterprise := []map[string]any{
		attr("employeeNumber", "string", "readWrite", "none", false, false, false),
		attr("costCenter", "string", "readWrite", "none", false, false, false),
		attr("organization", "string", "readWrite", "none", false, false, false),
		attr("division", "string", "readWrite", "none", false, false, false),
		attr("department", "string", "readWrite", "none", false, false, false),
		manager,
	}
	return []map[string]any{
		{"schemas": []string{SchemaSchema}, "id": SchemaUser, "name": "User", "description": "User Account",
			"attributes": user, "meta": map[string]any{"resourceType": "Schema", "location": "/Schemas/" + SchemaUser}},
		{"schemas": []string{SchemaSchema}, "id": SchemaGroup, "name": "Group", "description": "Group (team)",
			"attributes": group, "meta": map[string]any{"resourceType": "Schema", "location": "/Schemas/" + SchemaGroup}},
		{"schemas": []string{SchemaSchema}, "id": SchemaEnterprise, "name": "EnterpriseUser", "description": "Enterprise User",
			"attributes": enterprise, "meta": map[string]any{"resourceType": "Schema", "location": "/Schemas/" + SchemaEnterprise}},
	}
}
