// Package docs serves the specs (/openapi/NAME.yaml and .json, as written) and Swagger UI
// (/docs/) with its assets embedded in the binary, so it works offline. The copy of each
// spec that Swagger UI loads lists this server first, so "Try it out" calls the local API.
package docs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"

	"github.com/specfirst/specfirst/openapi"
)

// Mount serves every spec in openapi/ and Swagger UI. prefixes maps a spec name to where
// the apiserver mounts it; specs without a prefix are listed but "Try it out" then uses
// the servers written in the spec.
func Mount(e *echo.Echo, prefixes map[string]string) error {
	type entry struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	}
	var urls []entry
	for _, name := range openapi.Names() {
		raw, err := openapi.YAML(name)
		if err != nil {
			return err
		}
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			return fmt.Errorf("docs: spec %s: %w", name, err)
		}
		asJSON, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		if prefix, ok := prefixes[name]; ok {
			doc.Servers = append(openapi3.Servers{{URL: prefix, Description: "This server"}}, doc.Servers...)
		}
		forUI, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		e.GET("/openapi/"+name+".yaml", blob("application/yaml", raw))
		e.GET("/openapi/"+name+".json", blob(echo.MIMEApplicationJSON, asJSON))
		e.GET("/docs/specs/"+name+".json", blob(echo.MIMEApplicationJSON, forUI))
		urls = append(urls, entry{URL: "/docs/specs/" + name + ".json", Name: name})
	}
	if len(urls) == 0 {
		return fmt.Errorf("docs: no spec in openapi/")
	}
	list, err := json.Marshal(urls)
	if err != nil {
		return err
	}
	ui := v5emb.NewWithConfig(swgui.Config{
		Title:       "specfirst APIs",
		SwaggerJSON: urls[0].URL,
		BasePath:    "/docs/",
		ShowTopBar:  true,
		SettingsUI: map[string]string{
			"urls":                     string(list),
			`"urls.primaryName"`:       fmt.Sprintf("%q", urls[0].Name),
			"defaultModelsExpandDepth": "1",
		},
	})("specfirst APIs", urls[0].URL, "/docs/")
	e.GET("/docs", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/docs/") })
	e.GET("/docs/*", echo.WrapHandler(ui))
	return nil
}

func blob(contentType string, body []byte) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasPrefix(contentType, "application/yaml") {
			contentType += "; charset=utf-8"
		}
		return c.Blob(http.StatusOK, contentType, body)
	}
}
